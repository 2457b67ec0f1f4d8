import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../src/commands/index.js';
import { makeHarness, weft, type Harness } from './support/cli-harness.js';
import { ControlPlaneDouble } from './support/control-plane-double.js';
import { DEV, envPath, serveDirectory, useEnvironmentKey } from './support/fixtures.js';

let harness: Harness;
beforeEach(async () => {
  harness = await makeHarness();
});
afterEach(() => harness.cleanup());

describe('help and version', () => {
  it('weft --help lists every command, the exit codes and WEFT_API_KEY', async () => {
    const result = await weft(harness, '--help');
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toContain(`  ${command.name} `);
    expect(result.stdout).toContain('124  weft run --wait --timeout');
    expect(result.stdout).toContain('WEFT_API_KEY');
    expect(result.stdout).toContain('NODE_EXTRA_CA_CERTS');
  });

  it.each(COMMANDS.map((c) => [c.name]))('weft %s --help explains its options', async (name) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    const result = await weft(harness, ...name.split(' '), '--help');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`usage: weft ${name} ${command.usage}`.trimEnd());
    for (const [flag] of command.optionHelp) expect(result.stdout).toContain(flag);
    expect(result.stdout).toContain('--json');
  });

  it('weft project --help lists its subcommands; --version prints the version', async () => {
    expect((await weft(harness, 'project', '--help')).stdout).toContain('project push');
    expect(await weft(harness, '--version')).toMatchObject({
      code: 0,
      stdout: 'weft 9.9.9-test\n',
    });
    expect(JSON.parse((await weft(harness, '--version', '--json')).stdout)).toEqual({
      version: '9.9.9-test',
    });
  });

  it.each([
    [[], 'weft: give a command (see weft --help)'],
    [['deplyo'], 'weft: unknown command deplyo (see weft --help)'],
    [['project'], 'weft: project needs a subcommand: project push, project pull'],
    [
      ['project', 'delete'],
      'weft: unknown command project delete (commands: project push, project pull)',
    ],
    [['deploy'], 'weft: weft deploy needs <project> (see weft deploy --help)'],
    [['deploy', 'a', 'b'], 'weft: unexpected argument b (see weft deploy --help)'],
    [['deploy', 'a', '--force'], "weft: Unknown option '--force' (see weft deploy --help)"],
    [
      ['deploy', 'a', '--revision', 'two'],
      'weft: --revision must be a whole number from 1 to 2147483647',
    ],
    [
      ['run', 'a', 'b', '--timeout', '-3'],
      "weft: Option '--timeout' argument is ambiguous (see weft run --help)",
    ],
  ])('usage error %j: exit 2 with one line', async (argv, line) => {
    const result = await weft(harness, ...argv);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toContain(line);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });
});

describe('talking to the control plane', () => {
  it('a closed port: exit 1, "cannot reach"', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    harness.env['WEFT_API_KEY'] = 'weft_000000000000_x';
    harness.env['WEFT_URL'] = `http://127.0.0.1:${port}`;
    const result = await weft(harness, 'deploy', 'p', '--env', DEV.id);
    expect(result).toMatchObject({
      code: 1,
      stderr: `weft: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`,
    });
  });

  it('a redirect is not followed (the key stays with the control plane)', async () => {
    const double = await ControlPlaneDouble.start();
    try {
      useEnvironmentKey(harness, double);
      double.on('GET', envPath(DEV, 'projects/by-name/p'), (_request, response) => {
        response.writeHead(302, { location: 'https://elsewhere.example.com/' });
        response.end();
      });
      const result = await weft(harness, 'deploy', 'p', '--env', DEV.id);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('answered with a redirect (HTTP 302)');
      expect(double.requests).toHaveLength(1);
    } finally {
      await double.stop();
    }
  });

  it('a 500 shows the code, not the server detail; a non-JSON answer is an error', async () => {
    const double = await ControlPlaneDouble.start();
    try {
      useEnvironmentKey(harness, double);
      serveDirectory(double);
      double.on(
        'GET',
        envPath(DEV, 'projects/by-name/p'),
        { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } },
        (_request, response) => {
          response.writeHead(200, { 'content-type': 'text/html' });
          response.end('<html>proxy login</html>');
        },
      );
      const failed = await weft(harness, 'deploy', 'p', '--env', 'dev');
      expect(failed).toMatchObject({
        code: 1,
        stderr: 'weft: finding project p: the control plane failed (HTTP 500 INTERNAL)\n',
      });
      const html = await weft(harness, 'deploy', 'p', '--env', 'dev');
      expect(html).toMatchObject({
        code: 1,
        stderr: 'weft: finding project p: the control plane sent an answer that is not JSON\n',
      });
    } finally {
      await double.stop();
    }
  });

  it('control characters in an API message are not passed to the terminal', async () => {
    const double = await ControlPlaneDouble.start();
    try {
      useEnvironmentKey(harness, double);
      double.on('GET', envPath(DEV, 'projects/by-name/p'), {
        status: 404,
        body: { error: { code: 'NOT_FOUND', message: 'gone\u001b]0;pwned\u0007' } },
      });
      const result = await weft(harness, 'run', 'p', 'op', '--env', DEV.id);
      expect(result.code).toBe(4);
      // eslint-disable-next-line no-control-regex
      expect(result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    } finally {
      await double.stop();
    }
  });
});

describe('the weft process', () => {
  it('runs from source: --version exits 0, a usage error exits 2 with one stderr line', async () => {
    const appDir = fileURLToPath(new URL('..', import.meta.url));
    const spawnWeft = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            '--conditions=@weft/source',
            '--import',
            '@swc-node/register/esm-register',
            '--no-warnings',
            'src/main.ts',
            ...args,
          ],
          {
            cwd: appDir,
            env: { PATH: process.env['PATH'] ?? '', WEFT_CONFIG_DIR: harness.configDir },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const [version, usage] = await Promise.all([spawnWeft(['--version']), spawnWeft(['deploy'])]);
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toMatch(/^weft \d+\.\d+\.\d+\n$/);
    expect(usage).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'weft: weft deploy needs <project> (see weft deploy --help)\n',
    });
  }, 30_000);
});
