import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CryptoError, LocalKeyProvider, generateLocalKek } from '@weft/crypto';
import { StartupError } from '@weft/server-kit';
import { KeyEncryptionKeys, openKeyEncryptionKeys } from './key-providers.js';

const context = { orgId: 'org-1', keyVersion: 1 };

describe('key-encryption keys', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-kek-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('wraps with the current KEK and unwraps with whichever KEK wrapped', async () => {
    const old = LocalKeyProvider.fromBase64(generateLocalKek());
    const current = LocalKeyProvider.fromBase64(generateLocalKek());
    const dataKey = Buffer.alloc(32, 7);
    const wrappedByOld = await old.wrapDataKey(dataKey, context);
    const keks = new KeyEncryptionKeys(current, [old]);
    expect(keks.kekId).toBe(current.kekId);
    expect((await keks.wrapDataKey(dataKey, context)).kekId).toBe(current.kekId);
    expect(await keks.unwrapDataKey(wrappedByOld, context)).toEqual(dataKey);
    const generated = await keks.generateDataKey(context);
    expect(generated.wrapped.kekId).toBe(current.kekId);
    expect(await current.unwrapDataKey(generated.wrapped, context)).toEqual(generated.plaintext);
  });

  it('names the missing KEK (never key material) when no configured KEK wrapped a key', async () => {
    const stranger = LocalKeyProvider.fromBase64(generateLocalKek());
    const wrapped = await stranger.wrapDataKey(Buffer.alloc(32, 1), context);
    const keks = new KeyEncryptionKeys(LocalKeyProvider.fromBase64(generateLocalKek()));
    const error = await keks.unwrapDataKey(wrapped, context).catch((e: unknown) => e);
    expect(CryptoError.is(error) && error.code).toBe('KEY_PROVIDER_FAILED');
    expect((error as Error).message).toContain(`local:${stranger.kekId}`);
  });

  it('opens a KEK file only when no one else can read it', async () => {
    const file = join(dir, 'kek');
    await writeFile(file, `${generateLocalKek()}\n`, { mode: 0o600 });
    const keks = await openKeyEncryptionKeys({ provider: 'local', file, previousFiles: [] });
    expect(keks.kekId).toMatch(/^[0-9a-f]{16}$/);
    await chmod(file, 0o644);
    const error = await openKeyEncryptionKeys({ provider: 'local', file, previousFiles: [] }).catch(
      (e: unknown) => e,
    );
    expect(StartupError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^cannot use the key-encryption key in WEFT_KEK_FILE: .*chmod 600/,
    );
  });

  it('refuses a malformed KEK value without echoing it', async () => {
    const error = await openKeyEncryptionKeys({
      provider: 'local',
      value: 'not-base64-secret!',
      previousFiles: [],
    }).catch((e: unknown) => e);
    expect(StartupError.is(error)).toBe(true);
    expect((error as Error).message).toBe(
      'cannot use the key-encryption key in WEFT_KEK: WEFT_KEK must be 32 bytes encoded as standard base64',
    );
  });
});
