import { randomBytes } from 'node:crypto';
import { CryptoError } from '../errors.js';
import { assertIdentifier, assertKeyVersion } from './canonical.js';

/** Length of every data-encryption key (DEK): AES-256. */
export const DATA_KEY_BYTES = 32;

/**
 * What a wrapped data key is bound to. Providers must authenticate it with the wrap
 * (AAD for a local KEK, the encryption context for AWS KMS), so a wrapped key copied
 * to another organization or key version fails to unwrap.
 */
export interface KeyContext {
  readonly orgId: string;
  readonly keyVersion: number;
}

/**
 * A data key as stored at rest: self-describing and plain JSON.
 * - `provider`: the `id` of the KeyProvider that wrapped it (`local`, `aws-kms`, …).
 * - `kekId`: which key-encryption key wrapped it, so KEK rotation can find the DEKs to re-wrap.
 * - `blob`: provider-specific ciphertext, text-safe (base64/base64url).
 */
export interface WrappedDataKey {
  readonly provider: string;
  readonly kekId: string;
  readonly blob: string;
}

/**
 * A holder of key-encryption keys. Implement this to add Vault Transit, an HSM, …
 * Contract:
 * - `wrapDataKey`/`unwrapDataKey` bind `context` into the authenticated wrap;
 * - `unwrapDataKey` throws `CryptoError` DECRYPTION_FAILED when the wrap does not
 *   authenticate (tampered, other context, other KEK) and KEY_PROVIDER_FAILED when the
 *   backing service fails; it never returns a key it did not authenticate;
 * - `generateDataKey`, when present, returns a fresh 32-byte DEK and its wrap in one
 *   call (AWS KMS GenerateDataKey); otherwise callers generate locally and wrap.
 */
export interface KeyProvider {
  readonly id: string;
  wrapDataKey(dataKey: Buffer, context: KeyContext): Promise<WrappedDataKey>;
  unwrapDataKey(wrapped: WrappedDataKey, context: KeyContext): Promise<Buffer>;
  generateDataKey?(context: KeyContext): Promise<{ plaintext: Buffer; wrapped: WrappedDataKey }>;
}

export function assertKeyContext(context: KeyContext): void {
  if (typeof context !== 'object' || context === null) {
    throw new CryptoError('INVALID_INPUT', 'Key context must be an object');
  }
  assertIdentifier(context.orgId, 'Organization id');
  assertKeyVersion(context.keyVersion);
}

export function assertWrappedDataKey(wrapped: WrappedDataKey): void {
  if (
    typeof wrapped !== 'object' ||
    wrapped === null ||
    typeof wrapped.provider !== 'string' ||
    typeof wrapped.kekId !== 'string' ||
    typeof wrapped.blob !== 'string'
  ) {
    throw new CryptoError(
      'MALFORMED_CIPHERTEXT',
      'Wrapped data key must have string provider, kekId and blob',
    );
  }
}

/** Throws unless `dataKey` is a 32-byte Buffer. */
export function assertDataKeyBytes(dataKey: unknown, what = 'Data key'): asserts dataKey is Buffer {
  if (!Buffer.isBuffer(dataKey) || dataKey.length !== DATA_KEY_BYTES) {
    throw new CryptoError('INVALID_INPUT', `${what} must be a ${DATA_KEY_BYTES}-byte Buffer`);
  }
}

/**
 * Generates a DEK for `context` through `provider`: with its own `generateDataKey` when
 * it has one, else from the local CSPRNG and wrapped. The caller persists `wrapped` and
 * should zero `plaintext` once it no longer needs it.
 */
export async function generateWrappedDataKey(
  provider: KeyProvider,
  context: KeyContext,
): Promise<{ plaintext: Buffer; wrapped: WrappedDataKey }> {
  assertKeyContext(context);
  if (provider.generateDataKey) {
    const generated = await provider.generateDataKey(context);
    assertDataKeyBytes(generated.plaintext, 'Generated data key');
    return generated;
  }
  const plaintext = randomBytes(DATA_KEY_BYTES);
  return { plaintext, wrapped: await provider.wrapDataKey(plaintext, context) };
}

/**
 * KEK rotation: unwraps `wrapped` with `from` and wraps the same DEK with `to`. Only the
 * wrap changes; no field ciphertext has to be touched. The plaintext DEK is zeroed after.
 */
export async function rewrapDataKey(
  wrapped: WrappedDataKey,
  context: KeyContext,
  providers: { readonly from: KeyProvider; readonly to: KeyProvider },
): Promise<WrappedDataKey> {
  assertWrappedDataKey(wrapped);
  const dataKey = await providers.from.unwrapDataKey(wrapped, context);
  try {
    return await providers.to.wrapDataKey(dataKey, context);
  } finally {
    dataKey.fill(0);
  }
}
