import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTING_KEYS, envNameFor } from '../src/config/settings.js';
import { makeTempDir, minimalEnv, mintEnrolmentToken } from './support/fixtures.js';
import { GatewayDouble } from './support/gateway-double.js';
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
  }, 60_000);

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
  }, 60_000);

  it('rejects an unknown flag with one line and exit code 2', async () => {
    const { code, stderr } = await spawnAgent(['--gateway', 'https://x.example.com'], {}).exited;
    expect(code).toBe(2);
    expect(stderr).toBe('weft-agent: unknown option --gateway (see weft-agent --help)\n');
  }, 60_000);

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
  }, 60_000);

  it('runs the built command bin/weft-agent.js', async () => {
    const { code, stdout } = await spawnAgent(['--version'], {}, 'bin/weft-agent.js').exited;
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  }, 60_000);

  it('enrols with a gateway, runs an operation end to end, and files its records', async () => {
    const gateway = await new GatewayDouble().start();
    const target: unknown[] = [];
    const endpoint = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify([{ id: 1 }, { id: 2 }, { id: 3 }]));
          return;
        }
        target.push(...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[]));
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/records`;
    try {
      const enrolmentToken = gateway.mintEnrolmentToken();
      const agent = spawnAgent([], {
        ...minimalEnv(root, enrolmentToken),
        WEFT_AGENT_GATEWAY_URL: gateway.url,
        WEFT_AGENT_SHUTDOWN_GRACE_SECONDS: '2',
      });
      gateway.pushRun({
        runId: 'run-e2e',
        operation: {
          version: 1,
          source: { connector: 'http', config: { url } },
          transformation: {
            mapping: { version: 1, records: [{ fields: { key: '$string(id)' } }] },
          },
          target: { connector: 'http', config: { url } },
        },
      });
      const deadline = Date.now() + 45_000;
      while (gateway.callsTo('/agent/v1/runs/complete').length === 0) {
        if (Date.now() > deadline) throw new Error('the run was not completed within 45 s');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      process.kill(agent.pid, 'SIGTERM');
      const { code, stdout } = await agent.exited;
      expect(code).toBe(0);
      expect(gateway.callsTo('/agent/v1/runs/complete')[0]?.body).toMatchObject({
        status: 'succeeded',
        records: { read: 3, written: 3, failed: 0 },
      });
      expect(target).toEqual([{ key: '1' }, { key: '2' }, { key: '3' }]);
      expect((await stat(join(root, 'state', 'identity.json'))).mode & 0o777).toBe(0o600);
      const logs = await readdir(join(root, 'logs'));
      const succeeded = logs.find((name) => name.endsWith('-run-e2e-succeeded.ndjson'));
      expect(succeeded).toBeDefined();
      expect(await readFile(join(root, 'logs', succeeded ?? ''), 'utf8')).toBe(
        '{"record":{"key":"1"}}\n{"record":{"key":"2"}}\n{"record":{"key":"3"}}\n',
      );
      expect(await readdir(join(root, 'work'))).toEqual([]);
      expect(stdout).not.toContain(enrolmentToken);
      const lease = String(gateway.callsTo('/agent/v1/runs/started')[0]?.body['lease']);
      expect(stdout).not.toContain(lease);
    } finally {
      await gateway.stop();
      await new Promise((resolve) => endpoint.close(resolve));
    }
  }, 60_000);
});
