import { backoffMs, retryAfterMs } from './retry.js';
import { nextLink, valueAt } from './read.js';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

describe('backoff', () => {
  it('grows exponentially with jitter in [half, full] and is capped', () => {
    expect(backoffMs(1, policy, undefined, () => 0)).toBe(50);
    expect(backoffMs(1, policy, undefined, () => 1)).toBe(100);
    expect(backoffMs(3, policy, undefined, () => 0)).toBe(200);
    expect(backoffMs(3, policy, undefined, () => 1)).toBe(400);
    expect(backoffMs(10, policy, undefined, () => 1)).toBe(1000);
  });

  it('prefers Retry-After, capped at maxDelayMs', () => {
    expect(backoffMs(1, policy, 700)).toBe(700);
    expect(backoffMs(1, policy, 60_000)).toBe(1000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('response helpers', () => {
  it('parses rel="next" out of a Link header', () => {
    expect(nextLink('<https://a.example/p2>; rel="next", <https://a.example/p9>; rel="last"')).toBe(
      'https://a.example/p2',
    );
    expect(
      nextLink('<https://a.example/p1>; rel="prev first", <https://a.example/p3>; rel=next'),
    ).toBe('https://a.example/p3');
    expect(nextLink('<https://a.example/p1>; rel="prev"')).toBeUndefined();
    expect(nextLink(undefined)).toBeUndefined();
  });

  it('follows dotted paths', () => {
    expect(valueAt({ a: { b: [{ c: 1 }] } }, 'a.b.0.c')).toBe(1);
    expect(valueAt({ a: 1 }, 'a.b')).toBeUndefined();
  });
});
