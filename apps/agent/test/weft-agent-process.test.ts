import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTING_KEYS, envNameFor } from '../src/config/settings.js';
import { makeTempDir, minimalEnv, mintEnrolmentToken } from './support/fixtures.js';
import { freePort, getHealth } from './support/net.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));

interface Agent {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** The real weft-agent process, from source (no build needed), with only the environment given. */
function spawnAgent(args: string[], env: Record<string, string>, entry = 'src/main.ts'): Agent {
  const nodeArgs =
    entry === 'src/main.ts'
      ? ['--conditions=@weft/source', '--import', '@swc-node/register/esm-register', entry]
      : [entry];
  // No NODE_OPTIONS (jest's VM-module flags) and no stray WEFT_AGENT_* from the developer's shell.
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: appDir,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { pid: child.pid ?? -1, exited };
}

// Whatever a failed test left running is killed, so a failure cannot hang the suite.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

let root: string;
let removeRoot: () => Promise<void>;
let token: string;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
  token = mintEnrolmentToken();
});
afterEach(() => removeRoot());

describe('the weft-agent process', () => {
  it('--help explains every setting and exits 0', async () => {
    const { code, stdout, stderr } = await spawnAgent(['--help'], {}).exited;
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const key of SETTING_KEYS) {
      expect(stdout).toContain(`  ${key}\n`);
      expect(stdout).toContain(envNameFor(key));
    }
  });

  it('rejects a bad setting with one line on stderr naming it, and exit code 2', async () => {
    const env = {
      ...minimalEnv(root, token),
      WEFT_AGENT_GATEWAY_URL: 'http://gateway.example.com',
    };
    const { code, stdout, stderr } = await spawnAgent([], env).exited;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'weft-agent: invalid configuration: gatewayUrl (WEFT_AGENT_GATEWAY_URL) must be an https URL (plain http is accepted only for a loopback host)\n',
    );
  });

  it('rejects an unknown flag with one line and exit code 2', async () => {
    const { code, stderr } = await spawnAgent(['--gateway', 'https://x.example.com'], {}).exited;
    expect(code).toBe(2);
    expect(stderr).toBe('weft-agent: unknown option --gateway (see weft-agent --help)\n');
  });

  it('starts from agent.yaml plus environment, sweeps leftovers, and stops cleanly on SIGTERM without leaking the token', async () => {
    const configFile = join(root, 'agent.yaml');
    await writeFile(
      configFile,
      `agentName: edge-7\nenrolmentToken: ${token}\nshutdownGraceSeconds: 2\n`,
    );
    await chmod(configFile, 0o600);
    await mkdir(join(root, 'work', 'run-crashed'), { recursive: true });
    const healthPort = await freePort();
    const { WEFT_AGENT_ENROLMENT_TOKEN: _fromFileInstead, ...env } = minimalEnv(root, token);
    const agent = spawnAgent(['--config', configFile], {
      ...env,
      WEFT_AGENT_HEALTH_PORT: String(healthPort),
    });

    let health: Awaited<ReturnType<typeof getHealth>> | undefined;
    for (let attempt = 0; health === undefined && attempt < 100; attempt++) {
      health = await getHealth(healthPort).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return undefined;
      });
    }
    expect(health).toEqual({ status: 200, body: { status: 'running', inFlightRuns: 0 } });
    expect(await readdir(join(root, 'work'))).toEqual([]);

    process.kill(agent.pid, 'SIGTERM');
    const { code, stdout, stderr } = await agent.exited;
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      msg: 'agent starting',
      config: { agentName: 'edge-7', enrolment: 'token set' },
    });
    expect(lines.map((line) => line['msg'])).toEqual(
      expect.arrayContaining([
        'work directory swept',
        'agent running',
        'signal received; stopping',
        'agent stopped',
      ]),
    );
    expect(stdout).not.toContain(token);
  });

  it('runs the built command bin/weft-agent.js', async () => {
    const { code, stdout } = await spawnAgent(['--version'], {}, 'bin/weft-agent.js').exited;
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
