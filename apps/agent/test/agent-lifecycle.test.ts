import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  loadAgentConfig,
  runAgent,
  secretValuesOf,
  type AgentConfig,
  type AgentStopReport,
} from '../src/index.js';
import {
  ControlledRunner,
  QueuedWorkSource,
  capturedLogger,
  makeTempDir,
  minimalEnv,
  mintEnrolmentToken,
  run,
} from './support/fixtures.js';
import { freePort, getHealth } from './support/net.js';

const NO_RECORDS = { read: 0, written: 0, failed: 0 };

let root: string;
let removeRoot: () => Promise<void>;
let token: string;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
  token = mintEnrolmentToken();
});
afterEach(() => removeRoot());

async function startAgent(settings: Record<string, string>) {
  const config: AgentConfig = await loadAgentConfig({
    env: { ...minimalEnv(root, token), ...settings },
    cwd: root,
  });
  const workSource = new QueuedWorkSource();
  const runner = new ControlledRunner();
  const captured = capturedLogger(secretValuesOf(config));
  const shutdown = new AbortController();
  let running!: () => void;
  const started = new Promise<void>((resolve) => (running = resolve));
  const stopped: Promise<AgentStopReport> = runAgent({
    config,
    logger: captured.logger,
    shutdownSignal: shutdown.signal,
    workSource,
    operationRunner: runner,
    onRunning: () => running(),
  });
  await Promise.race([started, stopped]);
  return { config, workSource, runner, shutdown, stopped, ...captured };
}

describe('the agent lifecycle', () => {
  it('sweeps crash leftovers and expired logs, serves health, and on shutdown lets an in-flight run finish within the grace period', async () => {
    const crashed = join(root, 'work', 'run-crashed');
    await mkdir(crashed, { recursive: true });
    await writeFile(join(crashed, 'customers.csv'), 'id,email\n1,a@example.com\n');
    const expiredLog = join(root, 'logs', 'weft-debug-2020-01-01.log');
    await mkdir(join(root, 'logs'), { recursive: true });
    await writeFile(expiredLog, 'old debug output');
    await utimes(expiredLog, new Date('2020-01-01'), new Date('2020-01-01'));
    const healthPort = await freePort();
    const agent = await startAgent({
      WEFT_AGENT_SHUTDOWN_GRACE_SECONDS: '5',
      WEFT_AGENT_HEALTH_PORT: String(healthPort),
    });
    expect(await readdir(join(root, 'work'))).toEqual([]);
    expect(await readdir(join(root, 'logs'))).toEqual([]);

    agent.workSource.push(run('r-1'));
    await agent.runner.waitForStarted(1);
    const { context } = agent.runner.started.get('r-1') ?? {};
    await writeFile(join(context?.workDir ?? '', 'batch.ndjson'), '{"id":1}\n');
    expect(await getHealth(healthPort)).toEqual({
      status: 200,
      body: { status: 'running', inFlightRuns: 1 },
    });

    agent.shutdown.abort();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await getHealth(healthPort)).toEqual({
      status: 200,
      body: { status: 'draining', inFlightRuns: 1 },
    });
    agent.workSource.push(run('r-2')); // offered after the stop: must not start
    agent.runner.finish('r-1');

    expect(await agent.stopped).toEqual({ finishedRunIds: ['r-1'], releasedRunIds: [] });
    expect(agent.workSource.completed).toEqual([
      { run: run('r-1'), outcome: { status: 'succeeded', records: NO_RECORDS } },
    ]);
    expect(agent.runner.started.size).toBe(1);
    expect(await readdir(join(root, 'work'))).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${healthPort}/health`)).rejects.toThrow();

    const messages = agent.records().map((record) => record['msg']);
    expect(messages).toEqual(
      expect.arrayContaining([
        'agent starting',
        'work directory swept',
        'agent running',
        'shutdown requested; taking no new work',
        'agent stopped',
      ]),
    );
    expect(
      agent.records().find((record) => record['msg'] === 'work directory swept'),
    ).toMatchObject({ leftoverRunFolders: 1 });
  });

  it('hands back a run still going when the grace period ends, aborts it and deletes its transient data', async () => {
    const agent = await startAgent({ WEFT_AGENT_SHUTDOWN_GRACE_SECONDS: '1' });
    agent.workSource.push(run('slow'));
    await agent.runner.waitForStarted(1);
    const { context } = agent.runner.started.get('slow') ?? {};
    await writeFile(join(context?.workDir ?? '', 'partial.csv'), 'id\n1\n');

    const began = Date.now();
    agent.shutdown.abort();
    expect(await agent.stopped).toEqual({ finishedRunIds: [], releasedRunIds: ['slow'] });
    expect(Date.now() - began).toBeGreaterThanOrEqual(950);
    expect(agent.workSource.released).toEqual([run('slow')]);
    expect(agent.workSource.completed).toEqual([]);
    expect(context?.signal.aborted).toBe(true);
    expect(await readdir(join(root, 'work'))).toEqual([]);
    expect(agent.records().find((record) => record['msg'] === 'agent stopped')).toMatchObject({
      finishedRuns: 0,
      releasedRuns: 1,
      releasedRunIds: ['slow'],
    });
  });

  it('never writes the enrolment token or proxy password, whoever logs them', async () => {
    const password = mintEnrolmentToken();
    const agent = await startAgent({
      WEFT_AGENT_SHUTDOWN_GRACE_SECONDS: '0',
      WEFT_AGENT_PROXY_URL: `http://svc:${password}@proxy.example.com:3128`,
    });
    agent.workSource.push(run('chatty'));
    await agent.runner.waitForStarted(1);
    // A careless connector logging what it was given must not leak it either.
    agent.runner.started.get('chatty')?.context.logger.info(`calling with ${token}`, {
      header: `X-Enrol ${token}`,
      proxy: password,
    });
    agent.shutdown.abort();
    await agent.stopped;

    const output = agent.lines.join('\n');
    expect(agent.lines.length).toBeGreaterThan(5);
    expect(output).toContain('calling with');
    expect(output).not.toContain(token);
    expect(output).not.toContain(password);
  });
});
