import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import {
  credentialsPath,
  readCredentials,
  removeCredentials,
  writeCredentials,
} from './credentials.js';

const posix = process.platform !== 'win32';
let home: string;
let io: Parameters<typeof readCredentials>[0];

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'weft-credentials-'));
  io = { env: {}, homeDir: home, platform: process.platform, uid: process.getuid?.() };
});
afterEach(() => rm(home, { recursive: true, force: true }));

function credentials() {
  return {
    url: 'https://weft.example.com/',
    apiKey: `weft_${randomBytes(6).toString('hex')}_${randomBytes(8).toString('hex')}`,
  };
}

async function refusal(work: Promise<unknown>): Promise<CliError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!CliError.is(error)) throw new Error(`expected a CliError, got ${String(error)}`);
  return error;
}

describe('credentials file', () => {
  it('lives in WEFT_CONFIG_DIR, else XDG_CONFIG_HOME/weft, else ~/.config/weft', () => {
    expect(credentialsPath({ env: { WEFT_CONFIG_DIR: '/c' }, homeDir: home })).toBe(
      join('/c', 'credentials.json'),
    );
    expect(credentialsPath({ env: { XDG_CONFIG_HOME: '/x' }, homeDir: home })).toBe(
      join('/x', 'weft', 'credentials.json'),
    );
    expect(credentialsPath({ env: {}, homeDir: home })).toBe(
      join(home, '.config', 'weft', 'credentials.json'),
    );
  });

  it('is written 0600 in a 0700 folder and read back; no temporary file is left', async () => {
    const stored = credentials();
    const path = await writeCredentials(io, stored);
    expect(await readCredentials(io)).toEqual(stored);
    if (posix) {
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(join(home, '.config', 'weft'))).mode & 0o777).toBe(0o700);
    }
    expect(await readdir(join(home, '.config', 'weft'))).toEqual(['credentials.json']);
  });

  it('replacing keeps the mode 0600 even when the old file was loosened', async () => {
    const path = await writeCredentials(io, credentials());
    if (posix) await chmod(path, 0o644);
    const second = credentials();
    await writeCredentials(io, second);
    expect(await readCredentials(io)).toEqual(second);
    if (posix) expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it.each(['640', '604', '660', '666', '610'])(
    'a file with mode %s is refused (group/other bits)',
    async (mode) => {
      if (!posix) return;
      const path = await writeCredentials(io, credentials());
      await chmod(path, parseInt(mode, 8));
      const error = await refusal(readCredentials(io));
      expect(error.code).toBe('config');
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain(`refusing to use it: run chmod 600 ${path}`);
    },
  );

  it('modes with owner bits only (0400, 0700) are fine', async () => {
    if (!posix) return;
    const stored = credentials();
    const path = await writeCredentials(io, stored);
    for (const mode of [0o400, 0o700]) {
      await chmod(path, mode);
      expect(await readCredentials(io)).toEqual(stored);
    }
  });

  it('a file owned by someone else is refused', async () => {
    if (!posix || io.uid === undefined) return;
    await writeCredentials(io, credentials());
    const error = await refusal(readCredentials({ ...io, uid: io.uid + 1 }));
    expect(error.message).toContain('belongs to another user');
  });

  it('missing: undefined; not a credentials file: a config error that does not quote it', async () => {
    expect(await readCredentials(io)).toBeUndefined();
    const path = credentialsPath(io);
    await mkdir(join(home, '.config', 'weft'), { recursive: true });
    for (const content of [
      'not json',
      '{"url":"https://x"}',
      '[]',
      JSON.stringify({ url: 1, apiKey: 'weft_secret' }),
    ]) {
      await writeFile(path, content, { mode: 0o600 });
      const error = await refusal(readCredentials(io));
      expect(error.message).toBe(`${path} is not a weft credentials file: run weft login again`);
    }
  });

  it('removeCredentials deletes the file and says whether there was one', async () => {
    await writeCredentials(io, credentials());
    expect(await removeCredentials(io)).toEqual({ path: credentialsPath(io), removed: true });
    expect(await removeCredentials(io)).toEqual({ path: credentialsPath(io), removed: false });
    expect(await readCredentials(io)).toBeUndefined();
  });
});
