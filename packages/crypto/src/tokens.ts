import { randomBytes } from 'node:crypto';
import { CryptoError } from './errors.js';

/** 128 bits: below this a token can no longer be called unguessable. */
const MIN_TOKEN_BYTES = 16;
/** Tokens are identifiers, not bulk randomness; a cap keeps a typo from allocating megabytes. */
const MAX_TOKEN_BYTES = 1024;

/**
 * An unguessable token: `bytes` bytes from the operating system's CSPRNG, base64url
 * encoded (URL-, header- and filename-safe, no padding).
 */
export function randomToken(bytes: number = 32): string {
  if (!Number.isSafeInteger(bytes)) {
    throw new CryptoError('INVALID_INPUT', 'Token size must be a whole number of bytes');
  }
  if (bytes < MIN_TOKEN_BYTES) {
    throw new CryptoError(
      'WEAK_TOKEN',
      `Token size must be at least ${MIN_TOKEN_BYTES} bytes, got ${bytes}`,
    );
  }
  if (bytes > MAX_TOKEN_BYTES) {
    throw new CryptoError('INVALID_INPUT', `Token size must be at most ${MAX_TOKEN_BYTES} bytes`);
  }
  return randomBytes(bytes).toString('base64url');
}
