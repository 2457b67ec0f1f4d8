import { compileNoProxy } from './no-proxy.js';

describe('NO_PROXY', () => {
  const bypass = compileNoProxy(
    'localhost, .internal.example ,api.example.com:8443,10.0.0.0/8,[::1]',
  );

  it.each([
    ['localhost', 80, true],
    ['LOCALHOST.', 80, true],
    ['svc.internal.example', 443, true],
    ['internal.example', 443, true],
    ['api.example.com', 8443, true],
    ['api.example.com', 443, false],
    ['10.20.30.40', 80, true],
    ['11.0.0.1', 80, false],
    ['::1', 80, true],
    ['example.com', 80, false],
    ['notinternal.example', 80, false],
  ])('%s:%d bypasses the proxy: %s', (host, port, expected) => {
    expect(bypass(host, port)).toBe(expected);
  });

  it('treats * as everything and an empty list as nothing', () => {
    expect(compileNoProxy('*')('anything.example', 1)).toBe(true);
    expect(compileNoProxy(undefined)('localhost', 80)).toBe(false);
    expect(compileNoProxy(['a.example'])('b.a.example', 80)).toBe(true);
  });
});
