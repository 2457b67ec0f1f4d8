import { SecretValue } from '../src/config/secret-value.js';
import { GatewayClient } from '../src/gateway/gateway-client.js';
import { GatewayTransport } from '../src/gateway/gateway-transport.js';
import { GatewayWorkSource } from '../src/gateway/gateway-work-source.js';
import { AgentGatewayError } from '../src/gateway/gateway.error.js';
import {
  loadAgentConfig,
  runAgent,
  type AgentStopReport,
  type OperationRunner,
  type RunContext,
} from '../src/index.js';
import { capturedLogger, makeTempDir, minimalEnv } from './support/fixtures.js';
import { GatewayDouble } from './support/gateway-double.js';

let gateway: GatewayDouble;
let root: string;
let removeRoot: () => Promise<void>;

beforeEach(async () => {
  gateway = await new GatewayDouble().start();
  ({ path: root, remove: removeRoot } = await makeTempDir());
});
afterEach(async () => {
  await gateway.stop();
  await removeRoot();
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function workSource(options: { cloudLogging?: boolean; waitSeconds?: number } = {}) {
  const captured = capturedLogger();
  const transport = new GatewayTransport({
    gatewayUrl: gateway.url,
    proxy: null,
    extraCaPem: null,
  });
  const client = new GatewayClient({
    transport,
    stateDir: `${root}/state`,
    enrolmentToken: new SecretValue(gateway.mintEnrolmentToken()),
    agent: { name: 'edge-1', version: '0.1.0', host: 'host-1' },
    logger: captured.logger,
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
  });
  const source = new GatewayWorkSource({
    client,
    gatewayUrl: gateway.url,
    logger: captured.logger,
    cloudLogging: options.cloudLogging ?? true,
    maxConcurrentRuns: 2,
    agent: { version: '0.1.0', host: 'host-1' },
    heartbeatIntervalMs: 100,
    waitSeconds: options.waitSeconds ?? 25,
    completeRetry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    onClose: () => transport.close(),
  });
  return { source, client, ...captured };
}

/** Runs the agent on `source` with `runner` until the test aborts it. */
async function agentWith(
  source: GatewayWorkSource,
  runner: OperationRunner,
  settings: Record<string, string> = {},
) {
  const { logger } = capturedLogger();
  const config = await loadAgentConfig({
    env: {
      ...minimalEnv(root, 'wet_not-used-by-this-source'),
      WEFT_AGENT_GATEWAY_URL: gateway.url,
      ...settings,
    },
    cwd: root,
  });
  const shutdown = new AbortController();
  const stopped: Promise<AgentStopReport> = runAgent({
    config,
    logger,
    shutdownSignal: shutdown.signal,
    workSource: source,
    operationRunner: runner,
  });
  return { shutdown, stopped };
}

/** A runner that counts what the test says and ends when the test (or an abort) says so. */
function scriptedRunner(script: (context: RunContext) => Promise<void>): OperationRunner {
  return { run: (_run, context) => script(context) };
}

describe('GatewayWorkSource', () => {
  it('long-polls for work, and aborting the signal aborts the request', async () => {
    const { source } = workSource();
    const abort = new AbortController();
    const pending = source.next(abort.signal);
    await until(() => gateway.callsTo('/agent/v1/work').length === 1);
    // As many runs as it has free slots (2).
    expect(gateway.callsTo('/agent/v1/work')[0]?.body).toEqual({ waitSeconds: 25, max: 2 });
    const abortedAt = Date.now();
    abort.abort();
    expect(await pending).toBeNull();
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    await until(() => gateway.abandonedPolls === 1);
    await source.close();
  });

  it('takes a burst of runs in one poll, as many as it has free slots', async () => {
    const { source } = workSource();
    for (const runId of ['run-a', 'run-b', 'run-c']) {
      gateway.pushRun({ runId, operation: { version: 1 } });
    }
    const signal = new AbortController().signal;
    const first = await source.next(signal);
    const second = await source.next(signal);
    expect([first?.runId, second?.runId]).toEqual(['run-a', 'run-b']);
    // Both came in one answer: two free slots, so it asked for two, and run-c stayed queued.
    expect(gateway.callsTo('/agent/v1/work')).toHaveLength(1);
    await source.close();
  });

  it('hands back a run it received but never started when it closes', async () => {
    const { source } = workSource();
    for (const runId of ['run-a', 'run-b']) gateway.pushRun({ runId, operation: { version: 1 } });
    expect((await source.next(new AbortController().signal))?.runId).toBe('run-a');
    await source.close();
    const released = gateway.callsTo('/agent/v1/runs/release');
    expect(released).toHaveLength(1);
    expect(typeof released[0]?.body['lease']).toBe('string');
  });

  it('asks again after an empty poll (204) and hands over the run with what the protocol gives', async () => {
    const { source, lines } = workSource({ waitSeconds: 1 });
    const next = source.next(new AbortController().signal);
    await until(() => gateway.callsTo('/agent/v1/work').length >= 2, 4000);
    gateway.pushRun({ runId: 'run-1', operation: { version: 1 }, attempt: 2 });
    const run = await next;
    expect(run).toMatchObject({
      runId: 'run-1',
      operationId: 'op-run-1',
      environmentId: 'env-1',
      attempt: 2,
      maxAttempts: 3,
      idempotencyKey: 'run-run-1',
      operation: { version: 1 },
      leaseSeconds: 30,
    });
    expect(String(run?.lease)).toBe('[redacted]');
    // Heartbeats went out meanwhile, saying how busy the agent is.
    const heartbeatsBefore = gateway.callsTo('/agent/v1/heartbeat').length;
    await until(() => gateway.callsTo('/agent/v1/heartbeat').length > heartbeatsBefore);
    expect(gateway.callsTo('/agent/v1/heartbeat').at(-1)?.body).toEqual({
      version: '0.1.0',
      host: 'host-1',
      runningRuns: 1,
      maxConcurrentRuns: 2,
    });
    expect(lines.join('\n')).not.toContain(run?.lease?.reveal() ?? 'missing');
    await source.close();
  });
});

describe('a gateway run on the agent', () => {
  it('reports start, keeps the lease alive with progress every leaseSeconds/3, completes with counts', async () => {
    gateway.leaseSeconds = 0.3; // progress every 100 ms
    const { source, lines } = workSource();
    const agent = await agentWith(
      source,
      scriptedRunner(async (context) => {
        context.records.read = 5;
        context.records.written = 4;
        context.records.failed = 1;
        await new Promise((resolve) => setTimeout(resolve, 450));
      }),
    );
    gateway.pushRun({ runId: 'run-p', operation: { version: 1 } });
    await until(() => gateway.callsTo('/agent/v1/runs/complete').length === 1);
    agent.shutdown.abort();
    await agent.stopped;

    const [started] = gateway.callsTo('/agent/v1/runs/started');
    const lease = started?.body['lease'];
    expect(typeof lease).toBe('string');
    const progress = gateway.callsTo('/agent/v1/runs/progress');
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)?.body).toEqual({ lease, records: { read: 5, written: 4, failed: 1 } });
    expect(gateway.callsTo('/agent/v1/runs/complete')[0]?.body).toEqual({
      lease,
      status: 'succeeded',
      records: { read: 5, written: 4, failed: 1 },
    });
    // The progress timer stopped with the run.
    const progressCalls = progress.length;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(gateway.callsTo('/agent/v1/runs/progress')).toHaveLength(progressCalls);
    expect(lines.join('\n')).not.toContain(String(lease));
  });

  it('cancelRequested aborts the run, which completes as cancelled', async () => {
    gateway.leaseSeconds = 0.3;
    const { source } = workSource();
    let sawAbort = false;
    const agent = await agentWith(
      source,
      scriptedRunner(async (context) => {
        context.records.read = 2;
        await new Promise<void>((_resolve, reject) =>
          context.signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(new Error('stopped'));
          }),
        );
      }),
    );
    gateway.pushRun({ runId: 'run-c', operation: { version: 1 } });
    await until(() => gateway.callsTo('/agent/v1/runs/started').length === 1);
    gateway.cancelRequested.add('run-c');
    await until(() => gateway.callsTo('/agent/v1/runs/complete').length === 1);
    agent.shutdown.abort();
    await agent.stopped;
    expect(sawAbort).toBe(true);
    expect(gateway.callsTo('/agent/v1/runs/complete')[0]?.body).toMatchObject({
      status: 'cancelled',
      records: { read: 2, written: 0, failed: 0 },
    });
  });

  it.each([
    [true, { code: 'target_down', message: 'target api.example.com answered 503' }],
    [false, { code: 'target_down' }],
  ])('with cloudLogging %s a failure is reported as %j', async (cloudLogging, error) => {
    const { source } = workSource({ cloudLogging });
    const agent = await agentWith(
      source,
      scriptedRunner(async () => {
        throw Object.assign(new Error('target api.example.com answered 503'), {
          code: 'target_down',
        });
      }),
    );
    gateway.pushRun({ runId: 'run-f', operation: { version: 1 } });
    await until(() => gateway.callsTo('/agent/v1/runs/complete').length === 1);
    agent.shutdown.abort();
    await agent.stopped;
    expect(gateway.callsTo('/agent/v1/runs/complete')[0]?.body).toMatchObject({
      status: 'failed',
      error,
    });
  });

  it('hands a run still going back with runs/release when the grace period is over', async () => {
    const { source } = workSource();
    const agent = await agentWith(
      source,
      scriptedRunner(
        (context) =>
          new Promise<void>((_resolve, reject) =>
            context.signal.addEventListener('abort', () => reject(new Error('aborted'))),
          ),
      ),
      { WEFT_AGENT_SHUTDOWN_GRACE_SECONDS: '0' },
    );
    gateway.pushRun({ runId: 'run-r', operation: { version: 1 } });
    await until(() => gateway.callsTo('/agent/v1/runs/started').length === 1);
    agent.shutdown.abort();
    expect(await agent.stopped).toEqual({ finishedRunIds: [], releasedRunIds: ['run-r'] });
    const lease = gateway.callsTo('/agent/v1/runs/started')[0]?.body['lease'];
    expect(gateway.callsTo('/agent/v1/runs/release').map((call) => call.body)).toEqual([{ lease }]);
    expect(gateway.callsTo('/agent/v1/runs/complete')).toEqual([]);
  });

  it('stops the agent when the gateway says AGENT_REVOKED, rejecting with it', async () => {
    const { source, client } = workSource();
    const agent = await agentWith(
      source,
      scriptedRunner(async () => {}),
    );
    await until(() => gateway.agents.size === 1 && gateway.callsTo('/agent/v1/work').length === 1);
    const identity = await client.identity();
    gateway.revoke(identity.agentId);
    const error = await agent.stopped.catch((caught: unknown) => caught);
    expect(AgentGatewayError.is(error) && error.code).toBe('AGENT_REVOKED');
    expect(source.stopSignal.aborted).toBe(true);
  });
});
