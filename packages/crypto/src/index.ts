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
  MAX_SEALED_VALUE_BYTES,
  generateSealingKeyPair,
  openSealed,
  sealForRecipient,
  type SealedValue,
  type SealingKeyPair,
} from './sealing.js';
export {
  decodeBase32,
  encodeBase32,
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
export { DataKey } from './envelope/data-key.js';
export {
  FIELD_FORMAT,
  MAX_FIELD_PLAINTEXT_BYTES,
  decryptField,
  encryptField,
  keyVersionOf,
  type DataKeyResolver,
  type FieldBinding,
} from './envelope/field.js';
export {
  DATA_KEY_BYTES,
  generateWrappedDataKey,
  rewrapDataKey,
  type KeyContext,
  type KeyProvider,
  type WrappedDataKey,
} from './envelope/key-provider.js';
export { LocalKeyProvider, generateLocalKek } from './envelope/local-key-provider.js';
export {
  AwsKmsKeyProvider,
  KMS_CONTEXT_KEY_VERSION,
  KMS_CONTEXT_ORG,
  type AwsKmsKeyProviderOptions,
  type KmsClientLike,
  type KmsCommandConstructors,
  type KmsDecryptInput,
  type KmsEncryptInput,
  type KmsGenerateDataKeyInput,
} from './envelope/aws-kms-key-provider.js';
export {
  DEFAULT_KEY_CACHE_TTL_MS,
  DEFAULT_MAX_ENCRYPTIONS_PER_KEY,
  DEFAULT_ROTATION_WATERMARK,
  Keyring,
  type KeyUsage,
  type KeyringOptions,
  type StoredDataKey,
} from './envelope/keyring.js';
export {
  DEFAULT_STREAM_CHUNK_SIZE,
  MAX_STREAM_CHUNK_SIZE,
  MIN_STREAM_CHUNK_SIZE,
  STREAM_FORMAT_VERSION,
  createDecryptStream,
  createEncryptStream,
  decryptStream,
  encryptStream,
  type DecryptStreamOptions,
  type EncryptStreamOptions,
  type StreamKey,
  type StreamKeyResolver,
  type StreamTransformOptions,
} from './stream/index.js';
