import { CryptoError } from '../src/errors.js';
import type { FieldBinding } from '../src/envelope/field.js';
import type { KeyContext, KeyProvider, WrappedDataKey } from '../src/envelope/key-provider.js';
import { Keyring, type KeyringOptions } from '../src/envelope/keyring.js';
import { generateLocalKek, LocalKeyProvider } from '../src/envelope/local-key-provider.js';

/** A real LocalKeyProvider that counts unwraps and can be told to fail. */
class CountingProvider implements KeyProvider {
  readonly id: string;
  unwraps = 0;
  failNext = false;
  readonly #inner = LocalKeyProvider.fromBase64(generateLocalKek());

  constructor() {
    this.id = this.#inner.id;
  }

  wrapDataKey(dataKey: Buffer, context: KeyContext): Promise<WrappedDataKey> {
    return this.#inner.wrapDataKey(dataKey, context);
  }

  async unwrapDataKey(wrapped: WrappedDataKey, context: KeyContext): Promise<Buffer> {
    this.unwraps += 1;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('connection reset');
    }
    return this.#inner.unwrapDataKey(wrapped, context);
  }
}

const binding: FieldBinding = {
  orgId: 'org-a',
  recordType: 'project_variable',
  recordId: 'var-1',
  field: 'value',
};

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (CryptoError.is(error)) return error.code;
    throw error;
  }
  throw new Error('expected a CryptoError');
}

/** A keyring with one DEK version created, then rebuilt from storage (cold cache). */
async function coldKeyring(options: Partial<KeyringOptions> = {}) {
  const provider = new CountingProvider();
  const creator = new Keyring({ orgId: 'org-a', provider });
  const stored = await creator.rotate();
  const keyring = new Keyring({ orgId: 'org-a', provider, versions: [stored], ...options });
  const ciphertext = await creator.encrypt('s3cret', binding);
  return { provider, keyring, ciphertext, stored };
}

describe('Keyring', () => {
  it('has no key before the first rotation, then encrypts under version 1', async () => {
    const keyring = new Keyring({ orgId: 'org-a', provider: new CountingProvider() });
    expect(keyring.currentVersion).toBeUndefined();
    expect(keyring.needsRotation).toBe(true);
    expect(await failure(keyring.encrypt('x', binding))).toBe('UNKNOWN_KEY_VERSION');
    const stored = await keyring.rotate();
    expect(stored).toMatchObject({ version: 1, encryptions: 0, wrapped: { provider: 'local' } });
    const ciphertext = await keyring.encrypt('x', binding);
    expect(keyring.keyVersionOf(ciphertext)).toBe(1);
    expect((await keyring.decrypt(ciphertext, binding)).toString()).toBe('x');
  });

  it('rotates: new writes use the newest version, old ciphertexts still decrypt and move forward', async () => {
    const { keyring, ciphertext } = await coldKeyring();
    const v2 = await keyring.rotate();
    expect(v2.version).toBe(2);
    expect(keyring.versions).toEqual([1, 2]);
    const fresh = await keyring.encrypt('new', binding);
    expect(keyring.keyVersionOf(fresh)).toBe(2);
    expect((await keyring.decrypt(ciphertext, binding)).toString()).toBe('s3cret');

    const moved = await keyring.reencrypt(ciphertext, binding);
    expect(keyring.keyVersionOf(moved)).toBe(2);
    expect((await keyring.decrypt(moved, binding)).toString()).toBe('s3cret');
    // Idempotent: already current → unchanged; a misplaced ciphertext is still refused.
    expect(await keyring.reencrypt(moved, binding)).toBe(moved);
    expect(await failure(keyring.reencrypt(moved, { ...binding, recordId: 'var-2' }))).toBe(
      'DECRYPTION_FAILED',
    );
    expect(keyring.versionsIn([ciphertext, moved, fresh])).toEqual(
      new Map([
        [1, 1],
        [2, 2],
      ]),
    );

    keyring.retireVersion(1);
    expect(keyring.versions).toEqual([2]);
    expect(await failure(keyring.decrypt(ciphertext, binding))).toBe('UNKNOWN_KEY_VERSION');
    expect(() => keyring.retireVersion(2)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('refuses a binding for another organization', async () => {
    const { keyring, ciphertext } = await coldKeyring();
    const other = { ...binding, orgId: 'org-b' };
    expect(await failure(keyring.decrypt(ciphertext, other))).toBe('INVALID_INPUT');
    expect(await failure(keyring.encrypt('x', other))).toBe('INVALID_INPUT');
  });

  it('does not decrypt ciphertexts of another organization with the same key version', async () => {
    const provider = new CountingProvider();
    const orgA = new Keyring({ orgId: 'org-a', provider });
    const orgB = new Keyring({ orgId: 'org-b', provider });
    await orgA.rotate();
    const storedB = await orgB.rotate();
    const ciphertext = await orgA.encrypt('a-only', binding);
    expect(await failure(orgB.decrypt(ciphertext, { ...binding, orgId: 'org-b' }))).toBe(
      'DECRYPTION_FAILED',
    );
    // Nor can org B's wrapped DEK be planted in org A's keyring.
    const planted = new Keyring({ orgId: 'org-a', provider, versions: [storedB] });
    expect(await failure(planted.decrypt(ciphertext, binding))).toBe('DECRYPTION_FAILED');
  });

  it('unwraps once for many concurrent reads of a version (single-flight)', async () => {
    const { provider, keyring, ciphertext } = await coldKeyring();
    const before = provider.unwraps;
    const results = await Promise.all(
      Array.from({ length: 25 }, () => keyring.decrypt(ciphertext, binding)),
    );
    expect(results.every((plaintext) => plaintext.toString() === 's3cret')).toBe(true);
    expect(provider.unwraps - before).toBe(1);
    await keyring.encrypt('more', binding);
    expect(provider.unwraps - before).toBe(1);
  });

  it('unwraps again once the cache TTL has passed', async () => {
    let now = 1_000;
    const { provider, keyring, ciphertext } = await coldKeyring({
      cacheTtlMs: 60_000,
      now: () => now,
    });
    const before = provider.unwraps;
    await keyring.decrypt(ciphertext, binding);
    now += 59_999;
    await keyring.decrypt(ciphertext, binding);
    expect(provider.unwraps - before).toBe(1);
    now += 1;
    await keyring.decrypt(ciphertext, binding);
    expect(provider.unwraps - before).toBe(2);
    keyring.clearCache();
    await keyring.decrypt(ciphertext, binding);
    expect(provider.unwraps - before).toBe(3);
  });

  it('reports a provider failure as KEY_PROVIDER_FAILED and does not cache it', async () => {
    const { provider, keyring, ciphertext } = await coldKeyring();
    provider.failNext = true;
    const error = await keyring.decrypt(ciphertext, binding).catch((e: unknown) => e);
    expect(CryptoError.is(error) && error.code).toBe('KEY_PROVIDER_FAILED');
    expect((await keyring.decrypt(ciphertext, binding)).toString()).toBe('s3cret');
  });

  it('counts encryptions, flags rotation at the watermark and refuses past the limit', async () => {
    const { keyring } = await coldKeyring({ maxEncryptionsPerKey: 4, rotationWatermark: 3 });
    for (let i = 0; i < 2; i += 1) await keyring.encrypt(`v${i}`, binding);
    expect(keyring.needsRotation).toBe(false);
    await keyring.encrypt('v2', binding);
    expect(keyring.needsRotation).toBe(true);
    await keyring.encrypt('v3', binding);
    expect(keyring.encryptionCount(1)).toBe(4);
    expect(await failure(keyring.encrypt('v4', binding))).toBe('KEY_EXHAUSTED');
    expect(keyring.usage()).toEqual([
      { version: 1, encryptions: 4, needsRotation: true, exhausted: true },
    ]);
    // Decryption and rotation still work; the new version starts from zero.
    await keyring.rotate();
    expect(keyring.needsRotation).toBe(false);
    expect(keyring.keyVersionOf(await keyring.encrypt('v5', binding))).toBe(2);
  });

  it('resumes from a persisted count, refusing without even asking the provider', async () => {
    const { provider, stored } = await coldKeyring();
    const options = { orgId: 'org-a', provider, maxEncryptionsPerKey: 10 };
    const resumed = new Keyring({ ...options, versions: [{ ...stored, encryptions: 9 }] });
    expect(resumed.encryptionCount(1)).toBe(9);
    await resumed.encrypt('tenth', binding);
    expect(await failure(resumed.encrypt('eleventh', binding))).toBe('KEY_EXHAUSTED');

    const before = provider.unwraps;
    const full = new Keyring({ ...options, versions: [{ ...stored, encryptions: 10 }] });
    expect(await failure(full.encrypt('x', binding))).toBe('KEY_EXHAUSTED');
    expect(provider.unwraps).toBe(before);
  });

  it('never lets concurrent encryptions overshoot the limit', async () => {
    const { keyring } = await coldKeyring({ maxEncryptionsPerKey: 5 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => keyring.encrypt(`v${i}`, binding)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect(keyring.encryptionCount(1)).toBe(5);
  });

  it('drains per-version encryption deltas once', async () => {
    const { keyring } = await coldKeyring();
    await keyring.encrypt('a', binding);
    await keyring.encrypt('b', binding);
    expect(keyring.drainEncryptionCounts()).toEqual(new Map([[1, 2]]));
    expect(keyring.drainEncryptionCounts()).toEqual(new Map());
    expect(keyring.encryptionCount(1)).toBe(2);
  });

  it('validates its limits', () => {
    const provider = new CountingProvider();
    expect(() => new Keyring({ orgId: 'org-a', provider, maxEncryptionsPerKey: 2 ** 33 })).toThrow(
      expect.objectContaining({ code: 'WEAK_PARAMETERS' }),
    );
    expect(
      () =>
        new Keyring({ orgId: 'org-a', provider, maxEncryptionsPerKey: 5, rotationWatermark: 6 }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
