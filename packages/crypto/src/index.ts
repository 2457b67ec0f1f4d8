export { CRYPTO_ERROR_CODES, CryptoError, type CryptoErrorCode } from './errors.js';
export { randomToken } from './tokens.js';
export {
  PASSWORD_HASH_ITERATIONS,
  hashPassword,
  verifyPassword,
  type PasswordHashOptions,
  type PasswordVerification,
} from './passwords.js';
export { hmacSha256, safeEqual } from './hmac.js';
export { createRedactor, type Redactor, type RedactorOptions } from './redaction.js';
export {
  DEFAULT_SECRET_KEY_PATTERN,
  DEFAULT_SECRET_VALUE_PATTERNS,
  REDACTED,
} from './redaction-patterns.js';
export {
  generateSigningKeyPair,
  publicKeyFingerprint,
  sign,
  verify,
  type SigningKeyPair,
} from './signatures.js';
export {
  generateTotpSecret,
  totpCode,
  totpUri,
  verifyTotp,
  type TotpAlgorithm,
  type TotpOptions,
  type TotpSecret,
  type TotpUriOptions,
  type TotpVerification,
  type TotpVerifyOptions,
} from './totp.js';
