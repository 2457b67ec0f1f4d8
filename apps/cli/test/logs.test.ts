import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { START, makeHarness, weft, type Harness } from './support/cli-harness.js';
import { ControlPlaneDouble, type SeenRequest } from './support/control-plane-double.js';
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

function record(index: number, extra: Record<string, unknown> = {}) {
  return {
    v: 1,
    id: randomUUID(),
    orgId: randomUUID(),
    environmentId: DEV.id,
    projectId: project.id,
    projectName: 'orders-sync',
    operationId: 'load-orders',
    agentId: 'agent-7',
    status: 'succeeded',
    submittedAt: new Date(START - index * 60_000).toISOString(),
    submittedBy: randomUUID(),
    recordsRead: 100 + index,
    recordsWritten: 100,
    recordsFailed: index,
    ...extra,
  };
}

beforeEach(async () => {
  double = await ControlPlaneDouble.start();
  harness = await makeHarness();
  useEnvironmentKey(harness, double);
  serveDirectory(double);
  double.on('GET', envPath(DEV, 'projects/by-name/orders-sync'), { status: 200, body: project });
});
afterEach(async () => {
  await double.stop();
  await harness.cleanup();
});

function activityRequests(): SeenRequest[] {
  return double.requests.filter((r) => r.path === envPath(DEV, 'activity'));
}

describe('weft logs', () => {
  it('passes the filters (project by id, --since as an ISO time) and prints a table', async () => {
    double.on('GET', envPath(DEV, 'activity'), {
      status: 200,
      body: {
        items: [
          record(0, { status: 'failed', recordsFailed: 2, message: 'target rejected\n2 records' }),
          record(1, { status: 'cancelled', agentId: undefined }),
        ],
      },
    });

    const result = await weft(
      harness,
      'logs',
      '--project',
      'orders-sync',
      '--operation',
      'load-orders',
      '--status',
      'failed,cancelled',
      '--agent',
      'agent-7',
      '--since',
      '2h',
      '--limit',
      '3',
      '--env',
      'dev',
    );

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(activityRequests()[0]!.query).toEqual({
      project: project.id,
      operation: 'load-orders',
      status: 'failed,cancelled',
      agent: 'agent-7',
      from: '2024-06-01T10:00:00.000Z',
      limit: '3',
    });
    expect(result.stdout).toBe(
      [
        'TIME                  PROJECT      OPERATION    STATUS     READ/WRITTEN/FAILED  AGENT    MESSAGE',
        '2024-06-01 12:00:00Z  orders-sync  load-orders  failed     100/100/2            agent-7  target rejected 2 records',
        '2024-06-01 11:59:00Z  orders-sync  load-orders  cancelled  101/100/1            -',
        '',
      ].join('\n'),
    );
  });

  it('pages with the cursor up to --limit; --json prints the items', async () => {
    const page = (count: number, from: number) =>
      Array.from({ length: count }, (_, i) => record(from + i));
    double.on(
      'GET',
      envPath(DEV, 'activity'),
      { status: 200, body: { items: page(200, 0), nextCursor: 'c-1' } },
      { status: 200, body: { items: page(50, 200), nextCursor: 'c-2' } },
    );

    const result = await weft(harness, 'logs', '--limit', '250', '--json', '--env', 'dev');

    expect(result.code).toBe(0);
    expect(activityRequests().map((r) => r.query)).toEqual([
      { limit: '200' },
      { limit: '50', cursor: 'c-1' },
    ]);
    const printed = JSON.parse(result.stdout) as { items: unknown[]; nextCursor: string };
    expect(printed.items).toHaveLength(250);
    expect(printed.nextCursor).toBe('c-2');
  });

  it('no activity says so', async () => {
    double.on('GET', envPath(DEV, 'activity'), { status: 200, body: { items: [] } });
    expect(await weft(harness, 'logs', '--env', 'dev')).toMatchObject({
      code: 0,
      stdout: 'no activity\n',
    });
    expect(activityRequests()[0]!.query).toEqual({ limit: '50' });
  });

  it.each([
    [['--status', 'done'], '--status: unknown status done'],
    [['--since', 'yesterday'], '--since must be a time ago'],
    [['--limit', '0'], '--limit must be a whole number from 1 to 1000'],
    [['--follow', '--limit', '5'], '--limit does not apply to --follow'],
  ])('bad filters %j: exit 2 before any request', async (args, message) => {
    const result = await weft(harness, 'logs', ...args, '--env', DEV.id);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(double.requests).toHaveLength(0);
  });
});

/** Writes an SSE response in pieces, the way a proxy might split it. */
function sse(response: ServerResponse, ...pieces: string[]): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  for (const piece of pieces) response.write(piece);
}

describe('weft logs --follow', () => {
  const streamPath = envPath(DEV, 'activity/stream');
  const first = record(0, { status: 'running' });
  const second = record(0, { status: 'succeeded', message: 'done' });
  const third = record(2, { status: 'pending', agentId: null });

  function serveTwoConnections(): void {
    double.on(
      'GET',
      streamPath,
      (_request, response) => {
        const data = JSON.stringify(first);
        sse(
          response,
          ': connected\r\n\r',
          '\nevent: activity\r\nid: c-1\r\ndata: ',
          data.slice(0, 20),
          `${data.slice(20)}\r\n\r\n`,
        );
        // The first connection ends after two events: the CLI must reconnect.
        response.end(`event: activity\nid: c-2\ndata: ${JSON.stringify(second)}\n\n`);
      },
      (_request, response) => {
        sse(response, `event: activity\nid: c-3\ndata: ${JSON.stringify(third)}\n\n`);
        setTimeout(() => harness.interrupt.abort(), 50);
      },
    );
  }

  it('prints each event, reconnects with Last-Event-ID, ends on Ctrl-C (130)', async () => {
    serveTwoConnections();

    const result = await weft(
      harness,
      'logs',
      '--follow',
      '--status',
      'running,succeeded',
      '--env',
      'dev',
    );

    expect(result.code).toBe(130);
    const streams = double.requests.filter((r) => r.path === streamPath);
    expect(streams).toHaveLength(2);
    expect(streams[0]!.headers['last-event-id']).toBeUndefined();
    expect(streams[1]!.headers['last-event-id']).toBe('c-2');
    expect(streams.every((s) => s.query['status'] === 'running,succeeded')).toBe(true);
    expect(streams[0]!.headers.accept).toBe('text/event-stream');
    expect(result.stdout.split('\n')).toEqual([
      'TIME                   PROJECT               OPERATION             STATUS      READ/WRITTEN/FAILED  AGENT             MESSAGE',
      '2024-06-01 12:00:00Z   orders-sync           load-orders           running     100/100/0            agent-7',
      '2024-06-01 12:00:00Z   orders-sync           load-orders           succeeded   100/100/0            agent-7           done',
      '2024-06-01 11:58:00Z   orders-sync           load-orders           pending     102/100/2            -',
      '',
    ]);
    expect(result.stderr).toBe('weft: warning: the stream ended; reconnecting in 1 s\n');
    expect(harness.sleeps).toEqual([1000]);
  });

  it('--json: one record per line', async () => {
    serveTwoConnections();
    const result = await weft(harness, 'logs', '--follow', '--json', '--env', 'dev');
    expect(result.code).toBe(130);
    expect(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([first, second, third]);
  });

  it('a refused stream is final: exit 3, no reconnect', async () => {
    double.on('GET', streamPath, {
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: 'needs View Logs' } },
    });
    const result = await weft(harness, 'logs', '-f', '--env', 'dev');
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'weft: following the activity of dev: needs View Logs (FORBIDDEN)\n',
    );
    expect(double.requests.filter((r) => r.path === streamPath)).toHaveLength(1);
  });
});
