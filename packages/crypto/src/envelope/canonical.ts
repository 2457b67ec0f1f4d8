import { CryptoError } from '../errors.js';

/** Longest identifier (in UTF-8 bytes) accepted in a binding or key context. */
export const MAX_IDENTIFIER_BYTES = 1024;

/**
 * Length-prefixed encoding used for every AAD in this module: for each part,
 * a 4-byte big-endian byte length followed by the part's UTF-8 bytes. Unlike
 * joining with a separator, no two different part lists encode to the same bytes.
 */
export function encodeParts(parts: readonly string[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    chunks.push(length, bytes);
  }
  return Buffer.concat(chunks);
}

/**
 * Refuses identifiers that could make two different bindings encode alike: empty
 * strings, strings with lone surrogates (they all become U+FFFD in UTF-8) and
 * oversize ones. `what` names the argument in the message; the value never appears.
 */
export function assertIdentifier(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new CryptoError('INVALID_INPUT', `${what} must be a non-empty string`);
  }
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.toString('utf8') !== value) {
    throw new CryptoError('INVALID_INPUT', `${what} is not well-formed Unicode`);
  }
  if (bytes.length > MAX_IDENTIFIER_BYTES) {
    throw new CryptoError('INVALID_INPUT', `${what} exceeds ${MAX_IDENTIFIER_BYTES} bytes`);
  }
}

/** Largest key version: fits the decimal header field and a PostgreSQL integer. */
export const MAX_KEY_VERSION = 2_147_483_647;

export function assertKeyVersion(value: unknown, what = 'Key version'): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new CryptoError('INVALID_INPUT', `${what} must be a positive integer`);
  }
  if (value > MAX_KEY_VERSION) {
    throw new CryptoError('INVALID_INPUT', `${what} must be at most ${MAX_KEY_VERSION}`);
  }
}

/**
 * Strict base64url decoding: only the URL-safe alphabet, no padding, and the value
 * must re-encode to itself, so one ciphertext has exactly one textual form.
 */
export function decodeBase64UrlStrict(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
