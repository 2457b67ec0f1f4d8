import { randomBytes } from 'node:crypto';
import { SignedTokens } from './signed-tokens.js';

describe('signed tokens', () => {
  const key = randomBytes(32);
  const tokens = new SignedTokens(key);
  const future = () => Date.now() + 60_000;

  it('verify what the same key signed, on any instance (gateways are stateless)', () => {
    const token = tokens.sign('access', { exp: future(), a: 'agent-1' });
    expect(new SignedTokens(Buffer.from(key)).verify('access', token)).toMatchObject({
      a: 'agent-1',
    });
  });

  it('refuse another key, another kind, an expired token and any altered byte', () => {
    const token = tokens.sign('access', { exp: future(), a: 'agent-1' });
    expect(new SignedTokens(randomBytes(32)).verify('access', token)).toBeUndefined();
    expect(tokens.verify('lease', token)).toBeUndefined();
    const relabelled = token.replace(/^wat1/, 'wls1');
    expect(tokens.verify('lease', relabelled)).toBeUndefined();
    expect(
      tokens.verify('access', tokens.sign('access', { exp: Date.now() - 1, a: 'x' })),
    ).toBeUndefined();
    const [prefix, body, mac] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as object;
    const widened = Buffer.from(JSON.stringify({ ...claims, a: 'agent-2' })).toString('base64url');
    expect(tokens.verify('access', `${prefix}.${widened}.${mac}`)).toBeUndefined();
    for (const bad of ['', 'wat1', 'wat1..', `${token}x`, 42, null, 'x'.repeat(5000)]) {
      expect(tokens.verify('access', bad)).toBeUndefined();
    }
  });

  it('refuse a key shorter than 32 bytes', () => {
    expect(() => new SignedTokens(randomBytes(16))).toThrow('at least 32 bytes');
  });
});
