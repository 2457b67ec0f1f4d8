import {
  AwsKmsKeyProvider,
  CryptoError,
  LocalKeyProvider,
  generateWrappedDataKey,
  type KeyContext,
  type KeyProvider,
  type WrappedDataKey,
} from '@weft/crypto';
import { StartupError } from '@weft/server-kit';
import type { KekSettings } from '../config/key-settings.js';

/** A provider that also names the key-encryption key it wraps with. */
export type NamedKeyProvider = KeyProvider & { readonly kekId: string };

/**
 * The installation's key-encryption keys: the current one wraps (and generates) data keys; earlier
 * ones, configured during a KEK rotation, only unwrap until `keys rewrap` has moved every data key.
 */
export class KeyEncryptionKeys implements KeyProvider {
  readonly id: string;

  constructor(
    readonly current: NamedKeyProvider,
    readonly previous: readonly NamedKeyProvider[] = [],
  ) {
    this.id = current.id;
  }

  get kekId(): string {
    return this.current.kekId;
  }

  wrapDataKey(dataKey: Buffer, context: KeyContext): Promise<WrappedDataKey> {
    return this.current.wrapDataKey(dataKey, context);
  }

  generateDataKey(context: KeyContext): Promise<{ plaintext: Buffer; wrapped: WrappedDataKey }> {
    return generateWrappedDataKey(this.current, context);
  }

  async unwrapDataKey(wrapped: WrappedDataKey, context: KeyContext): Promise<Buffer> {
    const provider = [this.current, ...this.previous].find(
      (candidate) => candidate.id === wrapped.provider && candidate.kekId === wrapped.kekId,
    );
    if (provider === undefined) {
      // Names the KEK (an identifier, not key material) so the operator knows which one to configure.
      throw new CryptoError(
        'KEY_PROVIDER_FAILED',
        `No configured key-encryption key '${wrapped.provider}:${wrapped.kekId}'; add it to the previous KEKs until "keys rewrap" has run`,
      );
    }
    return provider.unwrapDataKey(wrapped, context);
  }
}

/** Opens the configured KEKs; a missing file or malformed key stops boot with the setting's name. */
export async function openKeyEncryptionKeys(settings: KekSettings): Promise<KeyEncryptionKeys> {
  if (settings.provider === 'local') {
    const current =
      settings.file !== undefined
        ? await localFromFile(settings.file, 'WEFT_KEK_FILE')
        : localFromValue(settings.value ?? '');
    const previous = await Promise.all(
      settings.previousFiles.map((file) => localFromFile(file, 'WEFT_KEK_PREVIOUS_FILES')),
    );
    return new KeyEncryptionKeys(current, previous);
  }
  const kms = await import('@aws-sdk/client-kms');
  const client = new kms.KMSClient({
    maxAttempts: 3,
    ...(settings.region !== undefined ? { region: settings.region } : {}),
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
  });
  const commands = {
    GenerateDataKeyCommand: kms.GenerateDataKeyCommand,
    EncryptCommand: kms.EncryptCommand,
    DecryptCommand: kms.DecryptCommand,
  };
  const provider = (keyId: string) => new AwsKmsKeyProvider({ keyId, client, commands });
  return new KeyEncryptionKeys(
    provider(settings.keyId),
    settings.previousKeyIds.map((keyId) => provider(keyId)),
  );
}

async function localFromFile(file: string, setting: string): Promise<LocalKeyProvider> {
  try {
    return await LocalKeyProvider.fromFile(file);
  } catch (error) {
    throw new StartupError(`cannot use the key-encryption key in ${setting}: ${reason(error)}`);
  }
}

function localFromValue(value: string): LocalKeyProvider {
  try {
    return LocalKeyProvider.fromBase64(value, 'WEFT_KEK');
  } catch (error) {
    throw new StartupError(`cannot use the key-encryption key in WEFT_KEK: ${reason(error)}`);
  }
}

function reason(error: unknown): string {
  // CryptoError messages name the problem, never key material.
  return error instanceof Error ? error.message : String(error);
}
