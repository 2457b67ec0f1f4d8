import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError } from '../src/errors.js';
import { openChunk, sealChunk } from '../src/internal/gcm.js';
import {
  CAVP_ENCRYPT_VECTORS,
  CAVP_FAIL_VECTORS,
  GCM_SPEC_VECTORS,
  type GcmVector,
} from './fixtures/gcm-vectors.js';

const hex = (value: string) => Buffer.from(value, 'hex');
const ALL = [...GCM_SPEC_VECTORS, ...CAVP_ENCRYPT_VECTORS];
// The chunk helper takes only the 96-bit nonces the stream format uses.
const NONCE_96 = ALL.filter((vector) => vector.iv.length === 24);

describe('AES-256-GCM known answers through node:crypto', () => {
  it.each(ALL.map((v) => [v.name, v] as const))('%s encrypts', (_name, vector: GcmVector) => {
    const cipher = createCipheriv('aes-256-gcm', hex(vector.key), hex(vector.iv));
    cipher.setAAD(hex(vector.aad));
    const ciphertext = Buffer.concat([cipher.update(hex(vector.plaintext)), cipher.final()]);
    expect(ciphertext.toString('hex')).toBe(vector.ciphertext);
    expect(cipher.getAuthTag().toString('hex')).toBe(vector.tag);
  });

  it.each(ALL.map((v) => [v.name, v] as const))('%s decrypts', (_name, vector: GcmVector) => {
    const decipher = createDecipheriv('aes-256-gcm', hex(vector.key), hex(vector.iv));
    decipher.setAAD(hex(vector.aad));
    decipher.setAuthTag(hex(vector.tag));
    const plaintext = Buffer.concat([decipher.update(hex(vector.ciphertext)), decipher.final()]);
    expect(plaintext.toString('hex')).toBe(vector.plaintext);
  });

  it.each(CAVP_FAIL_VECTORS.map((v) => [v.name, v] as const))('%s is rejected', (_name, vector) => {
    const decipher = createDecipheriv('aes-256-gcm', hex(vector.key), hex(vector.iv));
    decipher.setAAD(hex(vector.aad));
    decipher.setAuthTag(hex(vector.tag));
    decipher.update(hex(vector.ciphertext));
    expect(() => decipher.final()).toThrow();
  });
});

describe('sealChunk / openChunk known answers', () => {
  it('covers every 96-bit-nonce vector', () => {
    expect(NONCE_96.length).toBe(ALL.length - 2);
  });

  it.each(NONCE_96.map((v) => [v.name, v] as const))('%s seals', (_name, vector: GcmVector) => {
    const sealed = sealChunk(
      hex(vector.key),
      hex(vector.iv),
      hex(vector.aad),
      hex(vector.plaintext),
    );
    expect(sealed.toString('hex')).toBe(vector.ciphertext + vector.tag);
  });

  it.each(NONCE_96.map((v) => [v.name, v] as const))('%s opens', (_name, vector: GcmVector) => {
    const sealed = hex(vector.ciphertext + vector.tag);
    const plaintext = openChunk(hex(vector.key), hex(vector.iv), hex(vector.aad), sealed);
    expect(plaintext.toString('hex')).toBe(vector.plaintext);
  });

  it.each(CAVP_FAIL_VECTORS.map((v) => [v.name, v] as const))('%s is rejected', (_name, vector) => {
    const sealed = hex(vector.ciphertext + vector.tag);
    const error = catchError(() =>
      openChunk(hex(vector.key), hex(vector.iv), hex(vector.aad), sealed),
    );
    expect(CryptoError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  const sample = GCM_SPEC_VECTORS[3] as GcmVector;
  const tamperings: [string, (parts: Record<'key' | 'iv' | 'aad' | 'sealed', Buffer>) => void][] = [
    ['a flipped ciphertext bit', (p) => flip(p.sealed, 0)],
    ['a flipped tag bit', (p) => flip(p.sealed, p.sealed.length - 1)],
    ['a flipped nonce bit', (p) => flip(p.iv, 11)],
    ['a flipped AAD bit', (p) => flip(p.aad, 0)],
    ['a flipped key bit', (p) => flip(p.key, 31)],
  ];

  it.each(tamperings)('rejects %s with DECRYPTION_FAILED', (_what, tamper) => {
    const parts = {
      key: hex(sample.key),
      iv: hex(sample.iv),
      aad: hex(sample.aad),
      sealed: hex(sample.ciphertext + sample.tag),
    };
    tamper(parts);
    const error = catchError(() => openChunk(parts.key, parts.iv, parts.aad, parts.sealed));
    expect(error).toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('rejects a truncated tag rather than checking fewer bits', () => {
    const sealed = hex(sample.ciphertext + sample.tag);
    for (const cut of [1, 4, 15, 16]) {
      const error = catchError(() =>
        openChunk(hex(sample.key), hex(sample.iv), hex(sample.aad), sealed.subarray(0, -cut)),
      );
      expect(error).toMatchObject({ code: 'DECRYPTION_FAILED' });
    }
  });

  it('refuses nonces other than 96 bits', () => {
    const error = catchError(() =>
      sealChunk(hex(sample.key), Buffer.alloc(8), Buffer.alloc(0), Buffer.alloc(1)),
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
  });
});

function flip(bytes: Buffer, index: number): void {
  bytes[index] = (bytes[index] as number) ^ 0x01;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
