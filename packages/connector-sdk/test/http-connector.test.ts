import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  batchesOf,
  collectBatches,
  connectorContext,
  ConnectorError,
  createEgressGuard,
  createHttpConnector,
  type ConnectorRecord,
} from '../src/index.js';
import { startServer, type TestServer } from './helpers/servers.js';

const ITEMS = [1, 2, 3, 4, 5].map((id) => ({ id, name: `item ${id}` }));
const counters = new Map<string, number>();
const bump = (key: string): number => {
  const next = (counters.get(key) ?? 0) + 1;
  counters.set(key, next);
  return next;
};
let tokensIssued = 0;
const validTokens = new Set<string>();

function json(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
}

function route(req: IncomingMessage & { body: string }, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const auth = req.headers.authorization ?? '';
  const page = Number(url.searchParams.get('page') ?? '1');
  switch (url.pathname) {
    case '/basic':
      return auth === `Basic ${Buffer.from('ann:s3cret').toString('base64')}`
        ? json(res, 200, { data: { items: ITEMS } })
        : json(res, 401, {});
    case '/bearer':
      return auth === 'Bearer api-token' ? json(res, 200, ITEMS) : json(res, 401, {});
    case '/oauth/token': {
      const client = `Basic ${Buffer.from('client-1:client-secret').toString('base64')}`;
      const form = new URLSearchParams(req.body);
      if (
        auth !== client ||
        form.get('grant_type') !== 'client_credentials' ||
        form.get('scope') !== 'read'
      )
        return json(res, 401, {});
      tokensIssued += 1;
      const token = `tok-${tokensIssued}`;
      validTokens.add(token);
      return json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
    }
    case '/oauth/items':
      return validTokens.has(auth.replace('Bearer ', ''))
        ? json(res, 200, { items: ITEMS })
        : json(res, 401, {});
    case '/pages': {
      const size = Number(url.searchParams.get('per_page'));
      return json(res, 200, { results: ITEMS.slice((page - 1) * size, page * size) });
    }
    case '/link': {
      const next: Record<string, string> =
        page < 3
          ? { link: `</link?page=${page + 1}&size=2>; rel="next", </link?page=1>; rel="first"` }
          : {};
      return json(res, 200, ITEMS.slice((page - 1) * 2, page * 2), next);
    }
    case '/link-away':
      return json(res, 200, ITEMS.slice(0, 1), {
        link: '<http://elsewhere.test/steal>; rel="next"',
      });
    case '/cursor': {
      const at = Number(url.searchParams.get('after') ?? '0');
      const slice = ITEMS.slice(at, at + 2);
      return json(res, 200, {
        data: slice,
        meta: { next: at + 2 < ITEMS.length ? String(at + 2) : null },
      });
    }
    case '/flaky':
      return bump(`flaky:${url.searchParams.get('run')}`) <= 2
        ? json(res, 503, {}, { 'retry-after': '0' })
        : json(res, 200, ITEMS.slice(0, 1));
    case '/rate-limited':
      return bump('rate') === 1
        ? json(res, 429, {}, { 'retry-after': '1' })
        : json(res, 200, ITEMS.slice(0, 1));
    case '/bad-request':
      bump('bad');
      return json(res, 400, { error: 'nope' });
    case '/always-down':
      bump('down');
      return json(res, 502, {});
    case '/slow':
      setTimeout(() => json(res, 200, ITEMS), 3000).unref();
      return;
    case '/huge':
      return json(
        res,
        200,
        Array.from({ length: 2000 }, (_v, id) => ({ id, padding: 'x'.repeat(50) })),
      );
    case '/sink': {
      const records = JSON.parse(req.body) as ConnectorRecord | ConnectorRecord[];
      const rejected = (Array.isArray(records) ? records : [records]).some(
        (record) => record.bad === true,
      );
      return rejected ? json(res, 422, { error: 'invalid record' }) : json(res, 201, {});
    }
    default:
      return json(res, 404, {});
  }
}

let server: TestServer;
let base: string;
const http = createHttpConnector();
const fast = { retries: { baseDelayMs: 1, maxDelayMs: 5 } };

beforeAll(async () => {
  server = await startServer(route);
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

async function read(
  config: Record<string, unknown>,
  ctx = connectorContext(),
): Promise<ConnectorRecord[][]> {
  const read = http.read;
  if (!read) throw new Error('the http connector reads');
  try {
    return await collectBatches(read(http.validate(config), ctx));
  } finally {
    ctx.cleanup();
  }
}
async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!ConnectorError.is(error)) throw new Error(`expected a ConnectorError, got ${String(error)}`);
  return error;
}

describe('auth', () => {
  it('sends basic credentials resolved from secrets', async () => {
    const ctx = connectorContext({ secrets: { API_PASSWORD: 's3cret' } });
    const config = {
      url: `${base}/basic`,
      recordsPath: 'data.items',
      auth: { kind: 'basic', username: 'ann', password: { secret: 'API_PASSWORD' } },
    };
    expect((await read(config, ctx)).flat()).toEqual(ITEMS);
    const wrong = connectorContext({ secrets: { API_PASSWORD: 'wrong' } });
    expect((await failure(read(config, wrong))).code).toBe('auth_failed');
  });

  it('sends a bearer token, and names a missing secret without a value', async () => {
    const config = { url: `${base}/bearer`, auth: { kind: 'bearer', token: { secret: 'TOKEN' } } };
    expect(
      (await read(config, connectorContext({ secrets: { TOKEN: 'api-token' } }))).flat(),
    ).toHaveLength(5);
    const error = await failure(read(config));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toBe(
      'auth.token references secret TOKEN, which is not available to this run',
    );
  });

  it('gets an OAuth2 client-credentials token once, caches it, and renews it after a 401', async () => {
    const config = {
      url: `${base}/oauth/items`,
      recordsPath: 'items',
      auth: {
        kind: 'oauth2-client-credentials',
        tokenUrl: `${base}/oauth/token`,
        clientId: 'client-1',
        clientSecret: { secret: 'CLIENT_SECRET' },
        scope: 'read',
      },
    };
    const secrets = { CLIENT_SECRET: 'client-secret' };
    const before = tokensIssued;
    await read(config, connectorContext({ secrets }));
    await read(config, connectorContext({ secrets }));
    expect(tokensIssued).toBe(before + 1);
    validTokens.clear();
    expect((await read(config, connectorContext({ secrets }))).flat()).toHaveLength(5);
    expect(tokensIssued).toBe(before + 2);
    const refused = await failure(
      read(config, connectorContext({ secrets: { CLIENT_SECRET: 'wrong' } })),
    );
    expect(refused.code).toBe('auth_failed');
    expect(refused.message).not.toContain('wrong');
  });
});

describe('pagination', () => {
  it('page-number: pages until a short page', async () => {
    const batches = await read({
      url: `${base}/pages`,
      recordsPath: 'results',
      pagination: { kind: 'page-number', param: 'page', size: 2, sizeParam: 'per_page' },
    });
    expect(batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
    expect(batches.flat()).toEqual(ITEMS);
  });

  it('link-header: follows rel="next", and never to another origin', async () => {
    const batches = await read({ url: `${base}/link?page=1`, pagination: { kind: 'link-header' } });
    expect(batches.flat()).toEqual(ITEMS);
    const error = await failure(
      read({ url: `${base}/link-away`, pagination: { kind: 'link-header' } }),
    );
    expect(error.message).toContain('leaves');
  });

  it('cursor: follows the cursor at a dotted path until it is null', async () => {
    const batches = await read({
      url: `${base}/cursor`,
      recordsPath: 'data',
      pagination: { kind: 'cursor', path: 'meta.next', param: 'after' },
    });
    expect(batches.map((batch) => batch.map((record) => record.id))).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('none: one request', async () => {
    const before = server.requests.length;
    expect(
      await read({ url: `${base}/bearer`, headers: { Authorization: 'Bearer api-token' } }),
    ).toHaveLength(1);
    expect(server.requests.length).toBe(before + 1);
  });
});

describe('retries and limits', () => {
  it('retries 5xx with backoff and succeeds within the attempts', async () => {
    const ctx = connectorContext();
    expect((await read({ url: `${base}/flaky?run=a`, ...fast }, ctx)).flat()).toHaveLength(1);
    expect(ctx.logs.filter((entry) => entry.level === 'warn')).toHaveLength(2);
    const error = await failure(
      read({ url: `${base}/flaky?run=b`, retries: { maxAttempts: 2, baseDelayMs: 1 } }),
    );
    expect(error.code).toBe('remote_error');
    expect(error.retryable).toBe(true);
  });

  it('honours Retry-After on 429', async () => {
    const started = Date.now();
    expect(
      (
        await read({
          url: `${base}/rate-limited`,
          ...fast,
          retries: { baseDelayMs: 1, maxDelayMs: 5000 },
        })
      ).flat(),
    ).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('does not retry a 4xx, and stops after maxAttempts on 5xx', async () => {
    const error = await failure(read({ url: `${base}/bad-request`, ...fast }));
    expect(error.code).toBe('remote_error');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(`GET 127.0.0.1:${server.port}/bad-request answered 400`);
    expect(counters.get('bad')).toBe(1);
    await failure(
      read({
        url: `${base}/always-down`,
        retries: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
      }),
    );
    expect(counters.get('down')).toBe(4);
  });

  it('stops promptly when the run is cancelled', async () => {
    const ctx = connectorContext();
    setTimeout(() => ctx.abort(), 50);
    const started = Date.now();
    expect((await failure(read({ url: `${base}/slow` }, ctx))).code).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a response over maxResponseBytes', async () => {
    const error = await failure(read({ url: `${base}/huge`, maxResponseBytes: 10_000 }));
    expect(error.message).toContain('larger than 10000 bytes');
  });

  it('goes through the run egress policy', async () => {
    const ctx = connectorContext({
      agentKind: 'cloud',
      egress: createEgressGuard({ agentKind: 'cloud' }),
    });
    expect((await failure(read({ url: `${base}/bearer` }, ctx))).code).toBe('egress_denied');
  });
});

describe('write', () => {
  const write = async (
    config: Record<string, unknown>,
    records: ConnectorRecord[],
    ctx = connectorContext(),
  ) => {
    const writeFn = http.write;
    if (!writeFn) throw new Error('the http connector writes');
    try {
      return await writeFn(http.validate(config), batchesOf(records, 3), ctx);
    } finally {
      ctx.cleanup();
    }
  };

  it('posts one JSON array per batch, with an idempotency header', async () => {
    const before = server.requests.length;
    const ctx = connectorContext({ idempotencyKey: 'run-7' });
    const summary = await write(
      { url: `${base}/sink`, body: { batchSize: 2 }, idempotencyHeader: 'Idempotency-Key' },
      ITEMS,
      ctx,
    );
    expect(summary).toEqual({ written: 5, failed: 0 });
    const sent = server.requests.slice(before);
    expect(
      sent.map((request) => JSON.parse(request.body) as unknown[]).map((body) => body.length),
    ).toEqual([2, 1, 2]);
    expect(sent.map((request) => request.headers['idempotency-key'])).toEqual([
      'run-7:0',
      'run-7:2',
      'run-7:3',
    ]);
    expect(sent.every((request) => request.method === 'POST')).toBe(true);
  });

  it('sends one request per record and counts rejected records without quoting them', async () => {
    const records = [{ id: 1 }, { id: 2, bad: true, secretish: 'do-not-echo' }, { id: 3 }];
    const summary = await write(
      { url: `${base}/sink`, method: 'PUT', body: { mode: 'per-record' } },
      records,
    );
    expect(summary.written).toBe(2);
    expect(summary.failed).toBe(1);
    expect(summary.failures?.[0]?.index).toBe(1);
    expect(summary.failures?.[0]?.reason).toBe(`PUT 127.0.0.1:${server.port}/sink answered 422`);
  });
});

describe('validate', () => {
  it.each([
    [{}, 'url must be a non-empty string'],
    [{ url: 'file:///etc/passwd' }, 'url uses file:'],
    [{ url: 'https://api.example.com', method: 'TRACE' }, 'method must be one of'],
    [{ url: 'https://api.example.com', auth: { kind: 'digest' } }, 'auth.kind must be'],
    [{ url: 'https://api.example.com', auth: { kind: 'bearer', token: 42 } }, 'auth.token must be'],
    [
      { url: 'https://api.example.com', pagination: { kind: 'cursor', param: 'after' } },
      'pagination.path',
    ],
    [{ url: 'https://api.example.com', retries: { maxAttempts: 0 } }, 'retries.maxAttempts'],
    [{ url: 'https://api.example.com', headers: { 'X-Key': { secret: 1 } } }, 'headers.X-Key'],
    [{ url: 'https://api.example.com', body: { mode: 'stream' } }, 'body.mode'],
  ])('rejects %j naming the field', (config, message) => {
    expect(() => http.validate(config)).toThrow(message);
  });

  it('applies defaults', () => {
    expect(http.validate({ url: 'https://api.example.com/v1' })).toMatchObject({
      auth: { kind: 'none' },
      pagination: { kind: 'none' },
      body: { mode: 'batch', batchSize: 100 },
      retries: { maxAttempts: 3 },
    });
  });
});
