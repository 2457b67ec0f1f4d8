import { EventEmitter } from 'node:events';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCli } from '../src/index.js';
import { makeTempDir, minimalEnv, mintEnrolmentToken } from './support/fixtures.js';
import { GatewayDouble } from './support/gateway-double.js';

let root: string;
let removeRoot: () => Promise<void>;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
});
afterEach(() => removeRoot());

function cli(env: Record<string, string>, argv: string[] = []) {
  const signals = new EventEmitter();
  const out: string[] = [];
  const err: string[] = [];
  const exits: number[] = [];
  const done = runCli({
    argv,
    env,
    cwd: root,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    signals,
    exit: (code) => exits.push(code),
  });
  return { signals, out, err, exits, done };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('runCli', () => {
  it('runs until SIGTERM, exits 0 and stops listening for signals', async () => {
    const run = cli(minimalEnv(root, mintEnrolmentToken()));
    await until(() => run.out.some((line) => line.includes('"agent running"')));
    expect(run.signals.listenerCount('SIGTERM')).toBe(1);
    run.signals.emit('SIGTERM');
    expect(await run.done).toBe(0);
    expect(run.signals.listenerCount('SIGTERM') + run.signals.listenerCount('SIGINT')).toBe(0);
    expect(run.err).toEqual([]);
    expect(run.out.every((line) => line.endsWith('\n') && JSON.parse(line) !== null)).toBe(true);
  });

  it('exits 1 with a fatal log line when the agent cannot start', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = cli({
        ...minimalEnv(root, mintEnrolmentToken()),
        WEFT_AGENT_HEALTH_PORT: String(port),
      });
      expect(await run.done).toBe(1);
      const last = JSON.parse(run.out.at(-1) ?? '{}') as Record<string, unknown>;
      expect(last).toMatchObject({
        level: 'fatal',
        msg: 'agent failed',
        error: { errorCode: 'EADDRINUSE' },
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('answers --version and usage errors without loading any configuration', async () => {
    const version = cli({}, ['--version']);
    expect(await version.done).toBe(0);
    expect(version.out.join('')).toMatch(/^\d+\.\d+\.\d+\n$/);
    const usage = cli({}, ['--config']);
    expect(await usage.done).toBe(2);
    expect(usage.err).toEqual([
      'weft-agent: option --config needs a file path (see weft-agent --help)\n',
    ]);
  });

  it('enrols with the gateway, and stops with exit 1 and one clear error line when revoked', async () => {
    const gateway = await new GatewayDouble().start();
    try {
      const token = gateway.mintEnrolmentToken();
      const run = cli({ ...minimalEnv(root, token), WEFT_AGENT_GATEWAY_URL: gateway.url });
      await until(() => gateway.callsTo('/agent/v1/work').length > 0);
      const [agentId] = [...gateway.agents.keys()];
      gateway.revoke(agentId ?? 'none');
      expect(await run.done).toBe(1);

      const lines = run.out.map((line) => JSON.parse(line) as Record<string, unknown>);
      const problems = lines.filter(
        (line) => line['level'] === 'error' || line['level'] === 'fatal',
      );
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({
        level: 'fatal',
        error: { errorCode: 'AGENT_REVOKED' },
      });
      expect(String((problems[0]?.['error'] as { message: string }).message)).toContain(
        'disabled or revoked',
      );

      // The same lines went to the local log file (0600); neither holds the enrolment token.
      const logDir = join(root, 'logs');
      const [logFile] = (await readdir(logDir)).filter((name) => name.startsWith('weft-agent-'));
      expect(logFile).toMatch(/^weft-agent-\d{4}-\d{2}-\d{2}\.log$/);
      const path = join(logDir, logFile ?? '');
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(await readFile(path, 'utf8')).toBe(run.out.join(''));
      expect(run.out.join('')).not.toContain(token);
      expect(await stat(join(root, 'state', 'identity.json'))).toBeTruthy();
    } finally {
      await gateway.stop();
    }
  });

  it('exits 1 when the gateway refuses the enrolment token', async () => {
    const gateway = await new GatewayDouble().start();
    try {
      const token = mintEnrolmentToken(); // never issued by this gateway
      const run = cli({ ...minimalEnv(root, token), WEFT_AGENT_GATEWAY_URL: gateway.url });
      expect(await run.done).toBe(1);
      const last = JSON.parse(run.out.at(-1) ?? '{}') as Record<string, unknown>;
      expect(last).toMatchObject({
        level: 'fatal',
        error: { errorCode: 'ENROLMENT_TOKEN_INVALID' },
      });
      expect(run.out.join('')).not.toContain(token);
    } finally {
      await gateway.stop();
    }
  });
});
