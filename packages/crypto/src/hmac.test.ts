import { createHmac } from 'node:crypto';
import { CryptoError, hmacSha256, safeEqual } from './index.js';

describe('hmacSha256', () => {
  it('matches the RFC 4231 test case 2 vector', () => {
    const mac = hmacSha256('Jefe', 'what do ya want for nothing?');
    expect(mac.toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('treats strings as UTF-8 and accepts Buffers interchangeably', () => {
    const key = Buffer.from('clé-secrète', 'utf8');
    expect(hmacSha256(key, 'données')).toEqual(hmacSha256('clé-secrète', Buffer.from('données')));
    expect(hmacSha256(key, 'données')).toEqual(
      createHmac('sha256', key).update('données', 'utf8').digest(),
    );
  });

  it('returns 32 bytes and depends on the key', () => {
    const a = hmacSha256('key-a', 'payload');
    expect(a).toHaveLength(32);
    expect(a.equals(hmacSha256('key-b', 'payload'))).toBe(false);
  });

  it('refuses an empty key and non-byte inputs', () => {
    expect(() => hmacSha256('', 'data')).toThrow(CryptoError);
    expect(() => hmacSha256(Buffer.alloc(0), 'data')).toThrow(CryptoError);
    expect(() => hmacSha256('key', 42 as unknown as string)).toThrow(CryptoError);
  });
});

describe('safeEqual', () => {
  it('is true for equal strings and buffers', () => {
    expect(safeEqual('same-secret', 'same-secret')).toBe(true);
    expect(safeEqual(Buffer.from('same-secret'), 'same-secret')).toBe(true);
    expect(safeEqual('', '')).toBe(true);
  });

  it('is false for different content of the same length', () => {
    expect(safeEqual('secret-a', 'secret-b')).toBe(false);
  });

  it('is false, without throwing, for different lengths', () => {
    expect(safeEqual('short', 'a much longer value')).toBe(false);
    expect(safeEqual('prefix', 'prefix-and-more')).toBe(false);
    expect(safeEqual(Buffer.alloc(0), Buffer.alloc(1))).toBe(false);
  });

  it('refuses non-byte inputs', () => {
    expect(() => safeEqual(undefined as unknown as string, 'x')).toThrow(CryptoError);
  });
});
