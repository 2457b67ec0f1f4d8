import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CryptoError } from './errors.js';

/** HMAC-SHA-256 (FIPS 198-1) of `data` under `key`; strings are taken as UTF-8. */
export function hmacSha256(key: Buffer | string, data: Buffer | string): Buffer {
  if (!isBytes(key) || !isBytes(data)) {
    throw new CryptoError('INVALID_INPUT', 'HMAC key and data must be strings or Buffers');
  }
  // An empty key makes the MAC computable by anyone: always a configuration mistake.
  if (key.length === 0) {
    throw new CryptoError('INVALID_INPUT', 'HMAC key must not be empty');
  }
  return createHmac('sha256', key).update(data).digest();
}

/**
 * Per-process key for `safeEqual`. Comparing keyed digests of the inputs, rather than the
 * inputs, removes the length check `timingSafeEqual` needs: there is no early exit that
 * tells an attacker how long the secret is, nor how much of their guess matched.
 */
let comparisonKey: Buffer | undefined;

/**
 * Constant-time equality of two secrets (tokens, MACs, API keys). Inputs of different
 * lengths are simply unequal, with no early exit on length or on the first differing byte.
 */
export function safeEqual(a: Buffer | string, b: Buffer | string): boolean {
  if (!isBytes(a) || !isBytes(b)) {
    throw new CryptoError('INVALID_INPUT', 'safeEqual compares strings or Buffers');
  }
  comparisonKey ??= randomBytes(32);
  const digestA = createHmac('sha256', comparisonKey).update(a).digest();
  const digestB = createHmac('sha256', comparisonKey).update(b).digest();
  return timingSafeEqual(digestA, digestB);
}

function isBytes(value: unknown): value is Buffer | string {
  return typeof value === 'string' || Buffer.isBuffer(value);
}
