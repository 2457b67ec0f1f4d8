const CRYPTO_ERROR_BRAND = Symbol.for('weft.crypto.error');

/**
 * Every reason @weft/crypto refuses an input. Transports map these with an exhaustive
 * switch, so adding a code here is a compile error until each mapper handles it.
 */
export const CRYPTO_ERROR_CODES = [
  /** A token was requested with fewer than 16 random bytes (128 bits). */
  'WEAK_TOKEN',
  /** A work factor below the approved minimum (e.g. PBKDF2 iterations) was requested. */
  'WEAK_PARAMETERS',
  /** A stored password hash string cannot be parsed. The message never contains the hash. */
  'MALFORMED_HASH',
  /** An argument has the wrong type or an out-of-range value. */
  'INVALID_INPUT',
  /**
   * A ciphertext, wrapped key, stream or signature failed authentication: tampered, truncated,
   * reordered, moved to another organization/record/field, or made under another key. Never
   * accompanied by any plaintext.
   */
  'DECRYPTION_FAILED',
  /** A ciphertext or stream header cannot be parsed, or names an unsupported format version. */
  'MALFORMED_CIPHERTEXT',
  /** The key version a ciphertext names is unknown to the keyring (retired or never existed). */
  'UNKNOWN_KEY_VERSION',
  /** A key provider (local KEK, AWS KMS, …) failed to wrap, unwrap or generate a key. */
  'KEY_PROVIDER_FAILED',
  /** A key reached its invocation limit and must be rotated before it encrypts again. */
  'KEY_EXHAUSTED',
  /**
   * A sealed value (sealForRecipient) cannot be opened: malformed, tampered, sealed for another
   * recipient key or under another context. Never accompanied by any plaintext.
   */
  'SEAL_INVALID',
] as const;

export type CryptoErrorCode = (typeof CRYPTO_ERROR_CODES)[number];

/**
 * The one error class of @weft/crypto. Messages describe what was wrong, never the
 * secret material involved. Use `CryptoError.is(x)` rather than `instanceof`: two
 * copies of this package in one process have two distinct classes but share the brand.
 */
export class CryptoError extends Error {
  readonly [CRYPTO_ERROR_BRAND] = true;
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string) {
    super(message);
    this.name = 'CryptoError';
    this.code = code;
  }

  static is(value: unknown): value is CryptoError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[CRYPTO_ERROR_BRAND] === true
    );
  }
}
