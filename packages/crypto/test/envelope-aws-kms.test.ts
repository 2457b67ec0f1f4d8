/**
 * AWS KMS cannot be reached from the test environment, so AwsKmsKeyProvider runs against
 * an in-memory fake of KMS, typed from the provider's own adapter interfaces
 * (KmsClientLike, KmsCommandConstructors) so a signature change breaks it at compile
 * time. The fake really encrypts (AES-256-GCM per KMS key) and really enforces the
 * encryption context and the KeyId, the two properties the provider relies on.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  AwsKmsKeyProvider,
  type KmsClientLike,
  type KmsCommandConstructors,
  type KmsDecryptInput,
  type KmsEncryptInput,
  type KmsGenerateDataKeyInput,
} from '../src/envelope/aws-kms-key-provider.js';
import { CryptoError } from '../src/errors.js';
import { rewrapDataKey } from '../src/envelope/key-provider.js';
import { Keyring } from '../src/envelope/keyring.js';

class GenerateDataKeyCommand {
  constructor(readonly input: KmsGenerateDataKeyInput) {}
}
class EncryptCommand {
  constructor(readonly input: KmsEncryptInput) {}
}
class DecryptCommand {
  constructor(readonly input: KmsDecryptInput) {}
}
const commands: KmsCommandConstructors = { GenerateDataKeyCommand, EncryptCommand, DecryptCommand };

class KmsError extends Error {
  constructor(name: string) {
    super(name);
    this.name = name;
  }
}

class FakeKms implements KmsClientLike {
  readonly calls: string[] = [];
  readonly #keys = new Map<string, Buffer>();

  constructor(...keyIds: string[]) {
    for (const id of keyIds) this.#keys.set(id, randomBytes(32));
  }

  async send(command: object): Promise<unknown> {
    if (command instanceof GenerateDataKeyCommand) {
      this.calls.push('GenerateDataKey');
      const { KeyId, KeySpec, EncryptionContext } = command.input;
      if (KeySpec !== 'AES_256') throw new KmsError('ValidationException');
      const Plaintext = new Uint8Array(randomBytes(32));
      return { Plaintext, CiphertextBlob: this.#seal(KeyId, Plaintext, EncryptionContext), KeyId };
    }
    if (command instanceof EncryptCommand) {
      this.calls.push('Encrypt');
      const { KeyId, Plaintext, EncryptionContext } = command.input;
      return { CiphertextBlob: this.#seal(KeyId, Plaintext, EncryptionContext), KeyId };
    }
    if (command instanceof DecryptCommand) {
      this.calls.push('Decrypt');
      return { Plaintext: this.#open(command.input), KeyId: command.input.KeyId };
    }
    throw new KmsError('UnsupportedOperationException');
  }

  #key(keyId: string): Buffer {
    const key = this.#keys.get(keyId);
    if (!key) throw new KmsError('NotFoundException');
    return key;
  }

  // Blob: keyId length, keyId, nonce, ciphertext, tag; the context is the AAD, as in KMS.
  #seal(keyId: string, plaintext: Uint8Array, context: Record<string, string>): Uint8Array {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key(keyId), nonce);
    cipher.setAAD(contextAad(context));
    const id = Buffer.from(keyId);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return new Uint8Array(Buffer.concat([Buffer.from([id.length]), id, nonce, body]));
  }

  #open({ KeyId, CiphertextBlob, EncryptionContext }: KmsDecryptInput): Uint8Array {
    const blob = Buffer.from(CiphertextBlob);
    const idLength = blob[0] ?? 0;
    const blobKeyId = blob.subarray(1, 1 + idLength).toString();
    if (blobKeyId !== KeyId) throw new KmsError('IncorrectKeyException');
    const rest = blob.subarray(1 + idLength);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key(KeyId), rest.subarray(0, 12));
      decipher.setAAD(contextAad(EncryptionContext));
      decipher.setAuthTag(rest.subarray(rest.length - 16));
      return new Uint8Array(
        Buffer.concat([decipher.update(rest.subarray(12, rest.length - 16)), decipher.final()]),
      );
    } catch {
      throw new KmsError('InvalidCiphertextException');
    }
  }
}

function contextAad(context: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : 1))));
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (CryptoError.is(error)) return error.code;
    throw error;
  }
  throw new Error('expected a CryptoError');
}

const context = { orgId: 'org-a', keyVersion: 1 };

describe('AwsKmsKeyProvider (against an in-memory KMS fake)', () => {
  it('generates a data key with GenerateDataKey and unwraps it with Decrypt', async () => {
    const kms = new FakeKms('key-1');
    const provider = new AwsKmsKeyProvider({ client: kms, commands, keyId: 'key-1' });
    const { plaintext, wrapped } = await provider.generateDataKey(context);
    expect(plaintext).toHaveLength(32);
    expect(wrapped).toMatchObject({ provider: 'aws-kms', kekId: 'key-1' });
    expect(await provider.unwrapDataKey(wrapped, context)).toEqual(plaintext);
    expect(kms.calls).toEqual(['GenerateDataKey', 'Decrypt']);
  });

  it('sends the organization and key version as the encryption context', async () => {
    const kms = new FakeKms('key-1');
    const seen: unknown[] = [];
    const spy: KmsClientLike = {
      send: (command) => {
        seen.push((command as { input: unknown }).input);
        return kms.send(command);
      },
    };
    const provider = new AwsKmsKeyProvider({ client: spy, commands, keyId: 'key-1' });
    await provider.wrapDataKey(randomBytes(32), { orgId: 'org-a', keyVersion: 7 });
    expect(seen[0]).toMatchObject({
      KeyId: 'key-1',
      EncryptionContext: { 'weft:org': 'org-a', 'weft:key-version': '7' },
    });
  });

  it('fails to unwrap under another organization or key version', async () => {
    const provider = new AwsKmsKeyProvider({
      client: new FakeKms('key-1'),
      commands,
      keyId: 'key-1',
    });
    const wrapped = await provider.wrapDataKey(randomBytes(32), context);
    for (const other of [
      { orgId: 'org-b', keyVersion: 1 },
      { orgId: 'org-a', keyVersion: 2 },
    ]) {
      expect(await failure(provider.unwrapDataKey(wrapped, other))).toBe('DECRYPTION_FAILED');
    }
  });

  it('maps service failures to KEY_PROVIDER_FAILED without leaking the message', async () => {
    const down: KmsClientLike = {
      send: async () => {
        throw Object.assign(new Error('secret detail'), { name: 'ThrottlingException' });
      },
    };
    const provider = new AwsKmsKeyProvider({ client: down, commands, keyId: 'key-1' });
    const error = await provider.generateDataKey(context).catch((e: unknown) => e);
    expect(CryptoError.is(error) && error.code).toBe('KEY_PROVIDER_FAILED');
    expect((error as Error).message).toContain('ThrottlingException');
    expect((error as Error).message).not.toContain('secret detail');
    const empty = new AwsKmsKeyProvider({
      client: { send: async () => ({}) },
      commands,
      keyId: 'k',
    });
    expect(await failure(empty.wrapDataKey(randomBytes(32), context))).toBe('KEY_PROVIDER_FAILED');
  });

  it('rewraps from one KMS key to another, and a keyring decrypts with either wrap', async () => {
    const kms = new FakeKms('key-old', 'key-new');
    const from = new AwsKmsKeyProvider({ client: kms, commands, keyId: 'key-old' });
    const to = new AwsKmsKeyProvider({ client: kms, commands, keyId: 'key-new' });
    const old = new Keyring({ orgId: 'org-a', provider: from });
    const stored = await old.rotate();
    const binding = { orgId: 'org-a', recordType: 'credential', recordId: 'c1', field: 'password' };
    const ciphertext = await old.encrypt('hunter2', binding);
    const rewrapped = await rewrapDataKey(stored.wrapped, context, { from, to });
    expect(rewrapped.kekId).toBe('key-new');
    const fresh = new Keyring({
      orgId: 'org-a',
      provider: to,
      versions: [{ version: 1, wrapped: rewrapped }],
    });
    expect((await fresh.decrypt(ciphertext, binding)).toString()).toBe('hunter2');
    expect(await failure(from.unwrapDataKey(rewrapped, context))).toBe('KEY_PROVIDER_FAILED');
  });
});
