import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { runCli } from '../src/index.js';
import { makeTempDir, minimalEnv, mintEnrolmentToken } from './support/fixtures.js';

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
});
