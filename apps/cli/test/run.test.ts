import { randomUUID } from 'node:crypto';
import { START, makeHarness, weft, type Harness } from './support/cli-harness.js';
import { ControlPlaneDouble } from './support/control-plane-double.js';
import {
  DEV,
  envPath,
  projectView,
  serveDirectory,
  useEnvironmentKey,
} from './support/fixtures.js';

let double: ControlPlaneDouble;
let harness: Harness;
const project = projectView(DEV);
const runId = randomUUID();

function runView(status: string, extra: Record<string, unknown> = {}) {
  return {
    id: runId,
    environmentId: DEV.id,
    operationId: 'load-orders',
    status,
    agentId: status === 'pending' ? null : 'agent-7',
    submittedAt: '2024-06-01T12:00:00.000Z',
    startedAt: status === 'pending' ? null : '2024-06-01T12:00:01.000Z',
    completedAt: null,
    records: { read: 0, written: 0, failed: 0 },
    errorCode: null,
    message: null,
    ...extra,
  };
}

beforeEach(async () => {
  double = await ControlPlaneDouble.start();
  harness = await makeHarness();
  useEnvironmentKey(harness, double);
  serveDirectory(double);
  double
    .on('GET', envPath(DEV, 'projects/by-name/orders-sync'), { status: 200, body: project })
    .on('POST', envPath(DEV, `projects/${project.id}/operations/load-orders/runs`), {
      status: 202,
      body: { runId, status: 'pending' },
    });
});
afterEach(async () => {
  await double.stop();
  await harness.cleanup();
});

function polls(): number {
  return double.requests.filter((r) => r.path === envPath(DEV, `runs/${runId}`)).length;
}

describe('weft run', () => {
  it('without --wait: submits and prints the run id', async () => {
    const result = await weft(harness, 'run', 'orders-sync', 'load-orders', '--env', 'dev');
    expect(result).toMatchObject({ code: 0, stdout: `submitted run ${runId} (pending)\n` });
    const post = double.requests.find((r) => r.method === 'POST')!;
    expect(post.body).toEqual({});
    expect(polls()).toBe(0);
  });

  it('--wait prints status changes and counts, exit 0 on success', async () => {
    double.on(
      'GET',
      envPath(DEV, `runs/${runId}`),
      { status: 200, body: runView('pending') },
      { status: 200, body: runView('running') },
      {
        status: 200,
        body: runView('running', { records: { read: 500, written: 480, failed: 0 } }),
      },
      {
        status: 200,
        body: runView('running', { records: { read: 500, written: 480, failed: 0 } }),
      },
      {
        status: 200,
        body: runView('succeeded', {
          records: { read: 1000, written: 999, failed: 1 },
          completedAt: '2024-06-01T12:00:13.500Z',
        }),
      },
    );

    const result = await weft(
      harness,
      'run',
      'orders-sync',
      'load-orders',
      '--wait',
      '--env',
      'dev',
    );

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        `submitted run ${runId} of orders-sync load-orders`,
        `run ${runId} pending`,
        `run ${runId} running on agent agent-7`,
        '  read 500, written 480, failed 0',
        `run ${runId} succeeded: read 1000, written 999, failed 1 (12.5 s)`,
        '',
      ].join('\n'),
    );
    // 1 s after each change, half as long again after a quiet poll.
    expect(harness.sleeps).toEqual([1000, 1000, 1000, 1500]);
  });

  it('a failed run: exit 1 with its message; --json keeps stdout one document', async () => {
    double.on(
      'GET',
      envPath(DEV, `runs/${runId}`),
      { status: 200, body: runView('running') },
      {
        status: 200,
        body: runView('failed', {
          errorCode: 'TARGET_FAILED',
          message: 'relation "orders" does not exist',
        }),
      },
    );

    const result = await weft(
      harness,
      'run',
      'orders-sync',
      'load-orders',
      '--wait',
      '--json',
      '--env',
      'dev',
    );

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ run: { id: runId, status: 'failed' } });
    expect(result.stderr).toContain(`run ${runId} running on agent agent-7\n`);
    expect(result.stderr).toContain(
      `weft: run ${runId} failed: relation "orders" does not exist (TARGET_FAILED)\n`,
    );
  });

  it('a cancelled run exits 1 too', async () => {
    double.on('GET', envPath(DEV, `runs/${runId}`), { status: 200, body: runView('cancelled') });
    const result = await weft(
      harness,
      'run',
      'orders-sync',
      'load-orders',
      '--wait',
      '--env',
      'dev',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`weft: run ${runId} cancelled: no message\n`);
  });

  it('--timeout: exit 124 once the time is up, polls backing off to 5 s', async () => {
    double.on('GET', envPath(DEV, `runs/${runId}`), { status: 200, body: runView('running') });

    const result = await weft(
      harness,
      'run',
      'orders-sync',
      'load-orders',
      '--timeout',
      '20',
      '--env',
      'dev',
    );

    expect(result.code).toBe(124);
    expect(result.stderr).toBe(
      `weft: run ${runId} has not finished after 20 s; it goes on (weft logs shows it)\n`,
    );
    expect(harness.clock - START).toBe(20_000);
    expect(harness.sleeps).toEqual([1000, 1500, 2250, 3375, 5000, 5000, 1875]);
    expect(Math.max(...harness.sleeps)).toBe(5000);
  });

  it('a poll that fails on the network side is tried again; a 404 is not', async () => {
    double.on(
      'GET',
      envPath(DEV, `runs/${runId}`),
      { status: 502, body: { error: { code: 'BAD_GATEWAY', message: 'upstream' } } },
      { status: 200, body: runView('succeeded') },
    );
    const result = await weft(
      harness,
      'run',
      'orders-sync',
      'load-orders',
      '--wait',
      '--env',
      'dev',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `weft: warning: reading run ${runId}: the control plane failed (HTTP 502 BAD_GATEWAY); trying again\n`,
    );

    double.on('GET', envPath(DEV, `runs/${runId}`), {
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no such run' } },
    });
    const gone = await weft(harness, 'run', 'orders-sync', 'load-orders', '--wait', '--env', 'dev');
    expect(gone.code).toBe(4);
    expect(gone.stderr).toBe(`weft: reading run ${runId}: no such run (NOT_FOUND)\n`);
  });

  it.each([
    [404, 'OPERATION_NOT_FOUND', 4],
    [409, 'NOT_DEPLOYED', 1],
    [409, 'NO_AGENT_GROUP', 1],
    [400, 'VARIABLES_MISSING', 5],
    [403, 'FORBIDDEN', 3],
  ])('submit refused with %i %s: exit %i', async (status, code, exit) => {
    double.on('POST', envPath(DEV, `projects/${project.id}/operations/nightly/runs`), {
      status,
      body: { error: { code, message: 'refused' } },
    });
    const result = await weft(harness, 'run', 'orders-sync', 'nightly', '--wait', '--env', 'dev');
    expect(result.code).toBe(exit);
    expect(result.stderr).toBe(`weft: running orders-sync nightly: refused (${code})\n`);
    expect(polls()).toBe(0);
  });

  it('Ctrl-C while waiting: exit 130, the run goes on', async () => {
    double.on('GET', envPath(DEV, `runs/${runId}`), { status: 200, body: runView('running') });
    harness.onSleep = () => harness.interrupt.abort();
    const result = await weft(
      harness,
      'run',
      'orders-sync',
      'load-orders',
      '--wait',
      '--env',
      'dev',
    );
    expect(result.code).toBe(130);
    expect(result.stderr).toBe(`weft: stopped waiting for run ${runId} (it goes on)\n`);
  });

  it('a project id skips the lookup by name', async () => {
    await weft(harness, 'run', project.id, 'load-orders', '--env', DEV.id);
    expect(double.calls()).toEqual([
      `POST ${envPath(DEV, `projects/${project.id}/operations/load-orders/runs`)}`,
    ]);
  });
});
