import { CryptoError } from '../errors.js';
import { decodeBase64UrlStrict } from './canonical.js';
import {
  assertDataKeyBytes,
  assertKeyContext,
  assertWrappedDataKey,
  DATA_KEY_BYTES,
  type KeyContext,
  type KeyProvider,
  type WrappedDataKey,
} from './key-provider.js';

/** The inputs Weft sends, a subset of @aws-sdk/client-kms's command inputs. */
export interface KmsGenerateDataKeyInput {
  KeyId: string;
  KeySpec: 'AES_256';
  EncryptionContext: Record<string, string>;
}
export interface KmsEncryptInput {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionContext: Record<string, string>;
}
export interface KmsDecryptInput {
  KeyId: string;
  CiphertextBlob: Uint8Array;
  EncryptionContext: Record<string, string>;
}

/**
 * The three command classes of @aws-sdk/client-kms, injected so that this package does
 * not depend on the SDK: pass `{ GenerateDataKeyCommand, EncryptCommand, DecryptCommand }`.
 */
export interface KmsCommandConstructors {
  GenerateDataKeyCommand: new (input: KmsGenerateDataKeyInput) => object;
  EncryptCommand: new (input: KmsEncryptInput) => object;
  DecryptCommand: new (input: KmsDecryptInput) => object;
}

/** The one method of `KMSClient` Weft uses. Responses are checked at run time. */
export interface KmsClientLike {
  send(command: object): Promise<unknown>;
}

export interface AwsKmsKeyProviderOptions {
  client: KmsClientLike;
  commands: KmsCommandConstructors;
  /** Key id, key ARN, alias name or alias ARN of the KMS key used as KEK. */
  keyId: string;
}

/** Encryption context keys (the context is logged in CloudTrail: ids only, never secrets). */
export const KMS_CONTEXT_ORG = 'weft:org';
export const KMS_CONTEXT_KEY_VERSION = 'weft:key-version';

/**
 * KEK held in AWS KMS. The organization and key version are passed as the KMS
 * encryption context, which KMS binds to the ciphertext: Decrypt under any other
 * context fails. `blob` is the KMS CiphertextBlob in base64url; `kekId` is `keyId`.
 * KMS rotates its key material itself; changing `keyId` is a KEK rotation (use `rewrapDataKey`).
 */
export class AwsKmsKeyProvider implements KeyProvider {
  readonly id = 'aws-kms';
  readonly kekId: string;
  readonly #client: KmsClientLike;
  readonly #commands: KmsCommandConstructors;

  constructor(options: AwsKmsKeyProviderOptions) {
    if (typeof options.keyId !== 'string' || options.keyId.length === 0) {
      throw new CryptoError('INVALID_INPUT', 'AWS KMS keyId must be a non-empty string');
    }
    this.kekId = options.keyId;
    this.#client = options.client;
    this.#commands = options.commands;
  }

  async generateDataKey(
    context: KeyContext,
  ): Promise<{ plaintext: Buffer; wrapped: WrappedDataKey }> {
    assertKeyContext(context);
    const command = new this.#commands.GenerateDataKeyCommand({
      KeyId: this.kekId,
      KeySpec: 'AES_256',
      EncryptionContext: encryptionContext(context),
    });
    const output = await this.#send(command, 'GenerateDataKey');
    const plaintext = bytesField(output, 'Plaintext', 'GenerateDataKey');
    const blob = bytesField(output, 'CiphertextBlob', 'GenerateDataKey');
    assertDataKeyBytes(plaintext, 'KMS data key');
    return { plaintext, wrapped: this.#wrapped(blob) };
  }

  async wrapDataKey(dataKey: Buffer, context: KeyContext): Promise<WrappedDataKey> {
    assertDataKeyBytes(dataKey);
    assertKeyContext(context);
    const command = new this.#commands.EncryptCommand({
      KeyId: this.kekId,
      Plaintext: dataKey,
      EncryptionContext: encryptionContext(context),
    });
    const output = await this.#send(command, 'Encrypt');
    return this.#wrapped(bytesField(output, 'CiphertextBlob', 'Encrypt'));
  }

  async unwrapDataKey(wrapped: WrappedDataKey, context: KeyContext): Promise<Buffer> {
    assertWrappedDataKey(wrapped);
    assertKeyContext(context);
    if (wrapped.provider !== this.id || wrapped.kekId !== this.kekId) {
      throw new CryptoError(
        'KEY_PROVIDER_FAILED',
        `Data key was wrapped by ${wrapped.provider}/${wrapped.kekId}, this provider is ${this.id}/${this.kekId}`,
      );
    }
    const blob = decodeBase64UrlStrict(wrapped.blob);
    if (!blob || blob.length === 0) {
      throw new CryptoError('MALFORMED_CIPHERTEXT', 'Wrapped data key blob is malformed');
    }
    // KeyId pins the KEK: KMS refuses a blob made under any other key.
    const command = new this.#commands.DecryptCommand({
      KeyId: this.kekId,
      CiphertextBlob: blob,
      EncryptionContext: encryptionContext(context),
    });
    const plaintext = bytesField(await this.#send(command, 'Decrypt'), 'Plaintext', 'Decrypt');
    if (plaintext.length !== DATA_KEY_BYTES) {
      plaintext.fill(0);
      throw new CryptoError('KEY_PROVIDER_FAILED', 'KMS Decrypt returned a key of the wrong size');
    }
    return plaintext;
  }

  #wrapped(blob: Buffer): WrappedDataKey {
    return { provider: this.id, kekId: this.kekId, blob: blob.toString('base64url') };
  }

  async #send(command: object, operation: string): Promise<unknown> {
    try {
      return await this.#client.send(command);
    } catch (error) {
      const name = errorName(error);
      // KMS reports a wrong encryption context or a corrupted blob this way.
      if (name === 'InvalidCiphertextException' || name === 'IncorrectKeyException') {
        throw new CryptoError(
          'DECRYPTION_FAILED',
          `AWS KMS ${operation} refused the wrapped data key (${name}): tampered, or another organization, key version or KMS key`,
        );
      }
      throw new CryptoError('KEY_PROVIDER_FAILED', `AWS KMS ${operation} failed (${name})`);
    }
  }
}

function encryptionContext(context: KeyContext): Record<string, string> {
  return {
    [KMS_CONTEXT_ORG]: context.orgId,
    [KMS_CONTEXT_KEY_VERSION]: String(context.keyVersion),
  };
}

function bytesField(output: unknown, field: string, operation: string): Buffer {
  const value =
    typeof output === 'object' && output !== null
      ? (output as Record<string, unknown>)[field]
      : undefined;
  if (!(value instanceof Uint8Array)) {
    throw new CryptoError('KEY_PROVIDER_FAILED', `AWS KMS ${operation} response has no ${field}`);
  }
  // Copy: the SDK may hand out a view into a larger, reused buffer.
  return Buffer.from(value);
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^[A-Za-z0-9]{1,64}$/.test(name) ? name : 'unknown error';
}
