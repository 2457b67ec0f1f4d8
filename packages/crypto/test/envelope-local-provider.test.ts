import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CryptoError } from '../src/errors.js';
import { rewrapDataKey, type WrappedDataKey } from '../src/envelope/key-provider.js';
import { generateLocalKek, LocalKeyProvider } from '../src/envelope/local-key-provider.js';

const context = { orgId: 'org-a', keyVersion: 1 };

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (CryptoError.is(error)) return error.code;
    throw error;
  }
  throw new Error('expected a CryptoError');
}

describe('LocalKeyProvider', () => {
  const kek = generateLocalKek();
  const provider = LocalKeyProvider.fromBase64(kek);

  it('generates 32-byte base64 KEKs, each different', () => {
    expect(Buffer.from(kek, 'base64')).toHaveLength(32);
    expect(generateLocalKek()).not.toBe(kek);
  });

  it('wraps and unwraps a data key; the wrap is JSON-storable and names the KEK', async () => {
    const dataKey = randomBytes(32);
    const wrapped = await provider.wrapDataKey(dataKey, context);
    const stored = JSON.parse(JSON.stringify(wrapped)) as WrappedDataKey;
    expect(stored.provider).toBe('local');
    expect(stored.kekId).toMatch(/^[0-9a-f]{16}$/);
    expect(stored.blob).not.toContain(dataKey.toString('base64url'));
    expect(await provider.unwrapDataKey(stored, context)).toEqual(dataKey);
    // Same KEK text → same kekId; another KEK → another.
    expect(LocalKeyProvider.fromBase64(kek).kekId).toBe(provider.kekId);
    expect(LocalKeyProvider.fromBase64(generateLocalKek()).kekId).not.toBe(provider.kekId);
  });

  it('binds the wrap to the organization and key version', async () => {
    const wrapped = await provider.wrapDataKey(randomBytes(32), context);
    for (const other of [
      { orgId: 'org-b', keyVersion: 1 },
      { orgId: 'org-a', keyVersion: 2 },
    ]) {
      expect(await failure(provider.unwrapDataKey(wrapped, other))).toBe('DECRYPTION_FAILED');
    }
  });

  it('detects a flipped bit anywhere in the blob', async () => {
    const wrapped = await provider.wrapDataKey(randomBytes(32), context);
    const sealed = Buffer.from(wrapped.blob.slice(3), 'base64url');
    for (const at of [0, 20, sealed.length - 1]) {
      const copy = Buffer.from(sealed);
      copy[at] = copy[at]! ^ 0x80;
      const tampered = { ...wrapped, blob: `v1.${copy.toString('base64url')}` };
      expect(await failure(provider.unwrapDataKey(tampered, context))).toBe('DECRYPTION_FAILED');
    }
    const truncated = { ...wrapped, blob: wrapped.blob.slice(0, -4) };
    expect(await failure(provider.unwrapDataKey(truncated, context))).toBe('MALFORMED_CIPHERTEXT');
  });

  it('refuses a wrap made by another KEK or provider, naming it', async () => {
    const other = LocalKeyProvider.fromBase64(generateLocalKek());
    const wrapped = await other.wrapDataKey(randomBytes(32), context);
    await expect(provider.unwrapDataKey(wrapped, context)).rejects.toThrow(other.kekId);
    // Even with the kekId relabelled, the AAD (and the key) does not match.
    const relabelled = { ...wrapped, kekId: provider.kekId };
    expect(await failure(provider.unwrapDataKey(relabelled, context))).toBe('DECRYPTION_FAILED');
    const foreign = { ...wrapped, provider: 'aws-kms' };
    expect(await failure(provider.unwrapDataKey(foreign, context))).toBe('KEY_PROVIDER_FAILED');
  });

  it('refuses KEKs that are not exactly 32 base64 bytes', () => {
    for (const text of ['', 'not base64!', randomBytes(16).toString('base64')]) {
      expect(() => LocalKeyProvider.fromBase64(text)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    }
  });

  it('reads the KEK from an environment variable without echoing it', () => {
    const env = { WEFT_KEK: `${kek}\n` };
    expect(LocalKeyProvider.fromEnv('WEFT_KEK', env).kekId).toBe(provider.kekId);
    expect(() => LocalKeyProvider.fromEnv('MISSING', env)).toThrow(/MISSING is not set/);
    const bad = randomBytes(20).toString('base64');
    expect(() => LocalKeyProvider.fromEnv('BAD', { BAD: bad })).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining(bad) }),
    );
  });

  describe('fromFile', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'weft-kek-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads a file only its owner can access', async () => {
      const path = join(dir, 'kek-600');
      await writeFile(path, kek, { mode: 0o600 });
      await chmod(path, 0o600);
      expect((await LocalKeyProvider.fromFile(path)).kekId).toBe(provider.kekId);
    });

    it('refuses a file readable by group or others (accepted on Windows, which has no modes)', async () => {
      for (const mode of [0o640, 0o604, 0o644]) {
        const path = join(dir, `kek-${mode.toString(8)}`);
        await writeFile(path, kek);
        await chmod(path, mode);
        const result = await LocalKeyProvider.fromFile(path).catch((e: unknown) => e);
        if (process.platform === 'win32') {
          expect(result).toBeInstanceOf(LocalKeyProvider);
          continue;
        }
        expect(CryptoError.is(result) && result.code).toBe('INVALID_INPUT');
        expect(String((result as Error).message)).toMatch(/group or others.*chmod 600/);
        expect(String((result as Error).message)).not.toContain(kek);
      }
    });

    it('reports a missing file as KEY_PROVIDER_FAILED', async () => {
      expect(await failure(LocalKeyProvider.fromFile(join(dir, 'absent')))).toBe(
        'KEY_PROVIDER_FAILED',
      );
    });
  });

  it('rewraps a data key under a new KEK (KEK rotation), and the old KEK no longer applies', async () => {
    const dataKey = randomBytes(32);
    const wrapped = await provider.wrapDataKey(dataKey, context);
    const next = LocalKeyProvider.fromBase64(generateLocalKek());
    const rewrapped = await rewrapDataKey(wrapped, context, { from: provider, to: next });
    expect(rewrapped.kekId).toBe(next.kekId);
    expect(await next.unwrapDataKey(rewrapped, context)).toEqual(dataKey);
    expect(await failure(provider.unwrapDataKey(rewrapped, context))).toBe('KEY_PROVIDER_FAILED');
    expect(
      await failure(
        rewrapDataKey(wrapped, { ...context, orgId: 'org-b' }, { from: provider, to: next }),
      ),
    ).toBe('DECRYPTION_FAILED');
  });
});
