import { createHash, randomBytes } from 'node:crypto';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, openChunk, sealChunk } from '../internal/gcm.js';
import { readFile, stat } from 'node:fs/promises';
import { CryptoError } from '../errors.js';
import { decodeBase64UrlStrict, encodeParts } from './canonical.js';
import {
  assertDataKeyBytes,
  assertKeyContext,
  assertWrappedDataKey,
  DATA_KEY_BYTES,
  type KeyContext,
  type KeyProvider,
  type WrappedDataKey,
} from './key-provider.js';

const KEK_BYTES = 32;
const BLOB_PREFIX = 'v1.';
/** Domain label in the wrap AAD, so a wrap can never be confused with a field ciphertext. */
const WRAP_AAD_LABEL = 'weft.local-kek.wrap.v1';

/** A new random 256-bit KEK, base64 encoded, for `pnpm dev` to write under `.weft/dev/`. */
export function generateLocalKek(): string {
  return randomBytes(KEK_BYTES).toString('base64');
}

/**
 * A KEK held by this process: 32 random bytes supplied as base64 in a file or an
 * environment variable. Wraps DEKs with AES-256-GCM (random 96-bit nonce); the AAD is
 * the length-prefixed encoding of [label, provider id, kekId, orgId, keyVersion].
 * Blob: `v1.` + base64url(nonce ‖ wrapped DEK ‖ tag).
 */
export class LocalKeyProvider implements KeyProvider {
  readonly id = 'local';
  /** First 16 hex characters of SHA-256(KEK): names the KEK without revealing it. */
  readonly kekId: string;
  readonly #kek: Buffer;

  private constructor(kek: Buffer) {
    this.#kek = kek;
    this.kekId = createHash('sha256').update(kek).digest('hex').slice(0, 16);
  }

  /** From base64 text holding exactly 32 bytes (surrounding whitespace ignored). */
  static fromBase64(text: string, source = 'KEK'): LocalKeyProvider {
    const trimmed = typeof text === 'string' ? text.trim() : '';
    const kek = Buffer.from(trimmed, 'base64');
    if (
      !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) ||
      kek.length !== KEK_BYTES ||
      kek.toString('base64') !== trimmed
    ) {
      throw new CryptoError(
        'INVALID_INPUT',
        `${source} must be ${KEK_BYTES} bytes encoded as standard base64`,
      );
    }
    return new LocalKeyProvider(kek);
  }

  /** From the environment variable `name` of `env` (pass `process.env`). */
  static fromEnv(
    name: string,
    env: Readonly<Record<string, string | undefined>>,
  ): LocalKeyProvider {
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      throw new CryptoError('INVALID_INPUT', `Environment variable ${name} is not set`);
    }
    return LocalKeyProvider.fromBase64(value, `Environment variable ${name}`);
  }

  /**
   * From a file. Outside Windows the file must not be readable, writable or executable
   * by group or others (chmod 600 or 400): a KEK anyone on the host can read protects nothing.
   */
  static async fromFile(path: string): Promise<LocalKeyProvider> {
    let text: string;
    try {
      if (process.platform !== 'win32') {
        const { mode } = await stat(path);
        if ((mode & 0o077) !== 0) {
          throw new CryptoError(
            'INVALID_INPUT',
            `KEK file ${path} is accessible by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`,
          );
        }
      }
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (CryptoError.is(error)) throw error;
      const code = (error as { code?: unknown }).code;
      throw new CryptoError(
        'KEY_PROVIDER_FAILED',
        `Cannot read KEK file ${path}${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    }
    return LocalKeyProvider.fromBase64(text, `KEK file ${path}`);
  }

  async wrapDataKey(dataKey: Buffer, context: KeyContext): Promise<WrappedDataKey> {
    assertDataKeyBytes(dataKey);
    assertKeyContext(context);
    const nonce = randomBytes(GCM_NONCE_BYTES);
    const sealed = Buffer.concat([
      nonce,
      sealChunk(this.#kek, nonce, this.#aad(this.kekId, context), dataKey),
    ]);
    return {
      provider: this.id,
      kekId: this.kekId,
      blob: BLOB_PREFIX + sealed.toString('base64url'),
    };
  }

  async unwrapDataKey(wrapped: WrappedDataKey, context: KeyContext): Promise<Buffer> {
    assertWrappedDataKey(wrapped);
    assertKeyContext(context);
    if (wrapped.provider !== this.id) {
      throw new CryptoError(
        'KEY_PROVIDER_FAILED',
        `Data key was wrapped by provider '${wrapped.provider}', not '${this.id}'`,
      );
    }
    if (wrapped.kekId !== this.kekId) {
      throw new CryptoError(
        'KEY_PROVIDER_FAILED',
        `Data key was wrapped by KEK ${wrapped.kekId}, this provider holds KEK ${this.kekId}`,
      );
    }
    const sealed = wrapped.blob.startsWith(BLOB_PREFIX)
      ? decodeBase64UrlStrict(wrapped.blob.slice(BLOB_PREFIX.length))
      : undefined;
    if (!sealed || sealed.length !== GCM_NONCE_BYTES + DATA_KEY_BYTES + GCM_TAG_BYTES) {
      throw new CryptoError('MALFORMED_CIPHERTEXT', 'Wrapped data key blob is malformed');
    }
    return openChunk(
      this.#kek,
      sealed.subarray(0, GCM_NONCE_BYTES),
      this.#aad(wrapped.kekId, context),
      sealed.subarray(GCM_NONCE_BYTES),
      'Wrapped data key failed authentication (tampered, other organization or key version, or other KEK)',
    );
  }

  #aad(kekId: string, context: KeyContext): Buffer {
    return encodeParts([WRAP_AAD_LABEL, this.id, kekId, context.orgId, String(context.keyVersion)]);
  }
}
