import {
  ConnectorError,
  createEgressGuard,
  createHttpClient,
  type HttpClient,
} from '../src/index.js';
import {
  startConnectProxy,
  startServer,
  tableResolver,
  type TestProxy,
  type TestServer,
} from './helpers/servers.js';

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!ConnectorError.is(error)) throw new Error(`expected a ConnectorError, got ${String(error)}`);
  return error;
}

let server: TestServer;
let target: string;
const clients: HttpClient[] = [];
function client(options: Parameters<typeof createHttpClient>[0]): HttpClient {
  const created = createHttpClient(options);
  clients.push(created);
  return created;
}

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
      res.end();
    } else if (url.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' });
      res.end();
    } else if (url.pathname === '/big') {
      res.end('x'.repeat(5000));
    } else if (url.pathname === '/slow') {
      setTimeout(() => res.end('late'), 2000).unref();
    } else if (url.pathname === '/chunked-big') {
      res.write('y'.repeat(3000));
      res.end('y'.repeat(3000));
    } else {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: url.pathname, auth: req.headers.authorization ?? null }));
    }
  });
  target = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await Promise.all(clients.map((created) => created.close()));
  await server.close();
});

describe('SSRF protection for cloud agents', () => {
  const cloud = (allow: string[] = []) =>
    client({
      egress: createEgressGuard({
        agentKind: 'cloud',
        allow,
        resolver: tableResolver({
          'internal.test': '127.0.0.1',
          'api.test': '127.0.0.1',
          'meta.test': '169.254.169.254',
        }),
      }),
    });

  it.each([
    'http://127.0.0.1:1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://[::1]:1/',
  ])('refuses %s before connecting', async (url) => {
    const error = await failure(cloud().request({ url }));
    expect(error.code).toBe('egress_denied');
    expect(error.message).toContain('refused for a cloud agent');
  });

  it('refuses a DNS name that resolves to a private address', async () => {
    const error = await failure(cloud().request({ url: `http://internal.test:${server.port}/` }));
    expect(error.code).toBe('egress_denied');
    expect(error.message).toContain('internal.test (127.0.0.1) (loopback)');
    expect(server.requests).toHaveLength(0);
  });

  it('reaches an internal server once it is allow-listed (by address or by name)', async () => {
    const byAddress = await cloud(['127.0.0.1']).request({ url: `${target}/hello` });
    expect(byAddress.status).toBe(200);
    expect(byAddress.json()).toEqual({ path: '/hello', auth: null });
    const byName = await cloud(['api.test']).request({
      url: `http://api.test:${server.port}/named`,
    });
    expect(byName.json()).toMatchObject({ path: '/named' });
  });

  it('re-checks every redirect hop', async () => {
    const http = cloud(['api.test']);
    const error = await failure(
      http.request({
        url: `http://api.test:${server.port}/redirect?to=${encodeURIComponent('http://meta.test/')}`,
      }),
    );
    expect(error.code).toBe('egress_denied');
    expect(error.message).toContain('169.254.169.254');
  });
});

describe('requests', () => {
  const open = (extra: Partial<Parameters<typeof createHttpClient>[0]> = {}) =>
    client({
      egress: createEgressGuard({
        agentKind: 'private',
        resolver: tableResolver({ 'other.test': '127.0.0.1' }),
      }),
      ...extra,
    });

  it('refuses schemes other than http and https, also on redirect', async () => {
    expect((await failure(open().request({ url: 'file:///etc/passwd' }))).code).toBe(
      'protocol_denied',
    );
    expect((await failure(open().request({ url: 'ftp://example.com/' }))).code).toBe(
      'protocol_denied',
    );
    const error = await failure(
      open().request({ url: `${target}/redirect?to=${encodeURIComponent('file:///etc/passwd')}` }),
    );
    expect(error.code).toBe('protocol_denied');
  });

  it('follows redirects, dropping credentials when the origin changes, and stops after 5', async () => {
    const same = await open().request({
      url: `${target}/redirect?to=/landed`,
      headers: { Authorization: 'Bearer t' },
    });
    expect(same.json()).toEqual({ path: '/landed', auth: 'Bearer t' });
    expect(same.url).toBe(`${target}/landed`);
    const cross = await open().request({
      url: `${target}/redirect?to=${encodeURIComponent(`http://other.test:${server.port}/landed`)}`,
      headers: { Authorization: 'Bearer t' },
    });
    expect(cross.json()).toEqual({ path: '/landed', auth: null });
    const error = await failure(open().request({ url: `${target}/loop` }));
    expect(error.message).toContain('more than 5 redirects');
  });

  it('enforces the response size limit, declared or streamed', async () => {
    const http = open({ maxResponseBytes: 4096 });
    expect((await failure(http.request({ url: `${target}/big` }))).message).toContain(
      'larger than 4096 bytes',
    );
    expect((await failure(http.request({ url: `${target}/chunked-big` }))).message).toContain(
      'larger than 4096 bytes',
    );
    expect(
      (await open({ maxResponseBytes: 6000 }).request({ url: `${target}/big` })).body.length,
    ).toBe(5000);
  });

  it('times out, and tells cancellation from timeout', async () => {
    const timedOut = await failure(open({ timeoutMs: 100 }).request({ url: `${target}/slow` }));
    expect(timedOut.code).toBe('timeout');
    expect(timedOut.retryable).toBe(true);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const cancelled = await failure(
      open().request({ url: `${target}/slow`, signal: controller.signal }),
    );
    expect(cancelled.code).toBe('cancelled');
  });

  it('reports a refused connection as a retryable remote_error', async () => {
    const error = await failure(open().request({ url: 'http://127.0.0.1:1/' }));
    expect(error.code).toBe('remote_error');
    expect(error.retryable).toBe(true);
  });
});

describe('through an HTTP CONNECT proxy', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startConnectProxy();
  });
  afterAll(() => proxy.close());
  const resolver = tableResolver({
    'target.test': '127.0.0.1',
    'bypass.test': '127.0.0.1',
    'meta.test': '169.254.169.254',
  });

  it('tunnels to the target through the proxy, and NO_PROXY bypasses it', async () => {
    const http = client({
      egress: createEgressGuard({ agentKind: 'private', resolver }),
      proxy: { url: `http://127.0.0.1:${proxy.port}`, noProxy: 'bypass.test,.example.org' },
    });
    const before = server.requests.length;
    const viaProxy = await http.request({ url: `http://target.test:${server.port}/through` });
    expect(viaProxy.json()).toMatchObject({ path: '/through' });
    expect(proxy.connects).toEqual([`target.test:${server.port}`]);
    const direct = await http.request({ url: `http://bypass.test:${server.port}/direct` });
    expect(direct.json()).toMatchObject({ path: '/direct' });
    expect(proxy.connects).toHaveLength(1);
    expect(server.requests.length).toBe(before + 2);
  });

  it('checks the target, not just the proxy, and needs the proxy itself allowed for a cloud agent', async () => {
    const allowed = client({
      egress: createEgressGuard({
        agentKind: 'cloud',
        allow: ['127.0.0.1/32', 'target.test'],
        resolver,
      }),
      proxy: { url: `http://127.0.0.1:${proxy.port}` },
    });
    const seen = proxy.connects.length;
    expect((await failure(allowed.request({ url: 'http://meta.test/' }))).code).toBe(
      'egress_denied',
    );
    expect(proxy.connects.length).toBe(seen);
    expect((await allowed.request({ url: `http://target.test:${server.port}/ok` })).status).toBe(
      200,
    );

    const proxyNotAllowed = client({
      egress: createEgressGuard({ agentKind: 'cloud', allow: ['target.test'], resolver }),
      proxy: { url: `http://127.0.0.1:${proxy.port}` },
    });
    const error = await failure(
      proxyNotAllowed.request({ url: `http://target.test:${server.port}/ok` }),
    );
    expect(error.code).toBe('egress_denied');
    expect(error.message).toContain(`127.0.0.1 (loopback)`);
  });
});
