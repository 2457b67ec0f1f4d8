import { CryptoError, randomToken } from './index.js';

describe('randomToken', () => {
  it('encodes 32 random bytes as unpadded base64url by default', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('honours the requested size', () => {
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
    expect(Buffer.from(randomToken(48), 'base64url')).toHaveLength(48);
  });

  it('never repeats across many draws', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => randomToken(16)));
    expect(tokens.size).toBe(1000);
  });

  it.each([0, 8, 15])('refuses %d bytes as a weak token', (bytes) => {
    const attempt = () => randomToken(bytes);
    expect(attempt).toThrow(CryptoError);
    expect(catchError(attempt)).toMatchObject({ code: 'WEAK_TOKEN' });
  });

  it.each([Number.NaN, 16.5, 4096])('refuses %p bytes as invalid input', (bytes) => {
    expect(catchError(() => randomToken(bytes))).toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('CryptoError', () => {
  it('is recognised by its brand, also across package copies', () => {
    const error = catchError(() => randomToken(1));
    expect(CryptoError.is(error)).toBe(true);
    // A second copy of the package would construct its own class but reuse Symbol.for.
    const foreign = Object.assign(new Error('x'), { [Symbol.for('weft.crypto.error')]: true });
    expect(CryptoError.is(foreign)).toBe(true);
    expect(CryptoError.is(new Error('x'))).toBe(false);
    expect(CryptoError.is(null)).toBe(false);
    expect(CryptoError.is('WEAK_TOKEN')).toBe(false);
  });

  it('carries a name and code', () => {
    const error = catchError(() => randomToken(1)) as CryptoError;
    expect(error.name).toBe('CryptoError');
    expect(error.code).toBe('WEAK_TOKEN');
    expect(error).toBeInstanceOf(Error);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
