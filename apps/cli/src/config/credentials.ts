import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';

/** What `weft login` keeps: the control plane and the API key checked against it. */
export interface Credentials {
  url: string;
  apiKey: string;
}

const FILE_NAME = 'credentials.json';
const MAX_FILE_BYTES = 64 * 1024;

type Place = Pick<CliIo, 'env' | 'homeDir'>;

/** `$WEFT_CONFIG_DIR/credentials.json`, else `$XDG_CONFIG_HOME/weft/…`, else `~/.config/weft/…`. */
export function credentialsPath(io: Place): string {
  const configured = io.env['WEFT_CONFIG_DIR'];
  if (configured) return join(configured, FILE_NAME);
  const xdg = io.env['XDG_CONFIG_HOME'];
  return join(xdg ? xdg : join(io.homeDir, '.config'), 'weft', FILE_NAME);
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * The stored credentials, or undefined when there are none. Like ssh with a private key, a file
 * that other users could read (or that another user owns) is refused, not used: the key in it
 * may already be exposed, and silently using it would hide that.
 */
export async function readCredentials(
  io: Place & Pick<CliIo, 'platform' | 'uid'>,
): Promise<Credentials | undefined> {
  const path = credentialsPath(io);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw new CliError('config', `cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    // fstat on the opened file: what we check is what we read.
    const stats = await handle.stat();
    if (io.platform !== 'win32') {
      if ((stats.mode & 0o077) !== 0) {
        const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
        throw new CliError(
          'config',
          `${path} is accessible by other users (mode ${mode}); refusing to use it: run chmod 600 ${path}, then consider revoking the key`,
        );
      }
      if (io.uid !== undefined && stats.uid !== io.uid) {
        throw new CliError('config', `${path} belongs to another user; refusing to use it`);
      }
    }
    if (stats.size > MAX_FILE_BYTES) throw invalidFile(path);
    return parseCredentials(await handle.readFile('utf8'), path);
  } finally {
    await handle.close();
  }
}

function invalidFile(path: string): CliError {
  return new CliError('config', `${path} is not a weft credentials file: run weft login again`);
}

function parseCredentials(text: string, path: string): Credentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidFile(path);
  }
  const { url, apiKey } = (value ?? {}) as Record<string, unknown>;
  if (typeof url !== 'string' || typeof apiKey !== 'string' || url === '' || apiKey === '') {
    throw invalidFile(path);
  }
  return { url, apiKey };
}

/**
 * Stores the credentials (0600, in a 0700 folder). Written to a new file and renamed over the old
 * one, so a crash leaves either the old or the new file, never half of one, and the mode holds
 * from the first byte (no window where the key sits in a world-readable file).
 */
export async function writeCredentials(io: Place, credentials: Credentials): Promise<string> {
  const path = credentialsPath(io);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(credentials, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return path;
}

/** Deletes the stored credentials; false when there were none. */
export async function removeCredentials(io: Place): Promise<{ path: string; removed: boolean }> {
  const path = credentialsPath(io);
  try {
    await rm(path);
    return { path, removed: true };
  } catch (error) {
    if (isMissing(error)) return { path, removed: false };
    throw error;
  }
}
