import { bypassesProxy } from './no-proxy.js';

describe('bypassesProxy', () => {
  it.each([
    [['gateway.corp.example'], 'gateway.corp.example', 443, true],
    [['corp.example'], 'gateway.corp.example', 443, true],
    [['.corp.example'], 'gateway.corp.example', 443, true],
    [['*.corp.example'], 'gateway.corp.example', 443, true],
    [['corp.example'], 'notcorp.example', 443, false],
    [['gateway.corp.example:8443'], 'gateway.corp.example', 443, false],
    [['gateway.corp.example:8443'], 'gateway.corp.example', 8443, true],
    [['10.0.0.5'], '10.0.0.5', 443, true],
    [['10.0.0.5'], '10.0.0.50', 443, false],
    [['[::1]:8080'], '[::1]', 8080, true],
    [['::1'], '[::1]', 443, true],
    [['*'], 'anything.example', 443, true],
    [[], 'gateway.example', 443, false],
  ])('%j, %s:%d → %s', (noProxy, host, port, expected) => {
    expect(bypassesProxy(noProxy, host, port)).toBe(expected);
  });
});
