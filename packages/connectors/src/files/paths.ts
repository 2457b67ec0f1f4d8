import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { ConnectorError } from '@weft/connector-sdk';

function inside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function escaped(path: string): ConnectorError {
  return new ConnectorError('invalid_config', `path ${path} leaves the root directory`);
}

async function realRoot(root: string): Promise<string> {
  try {
    return await realpath(root);
  } catch {
    throw new ConnectorError('not_found', 'the root directory does not exist');
  }
}

/** The real path of an existing file or directory under root; a symlink leading out is refused. */
export async function existingPathUnder(root: string, path: string): Promise<string> {
  const base = await realRoot(root);
  const lexical = resolve(base, path);
  if (!inside(base, lexical)) throw escaped(path);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    throw new ConnectorError('not_found', `path ${path} does not exist under the root directory`);
  }
  if (!inside(base, real)) throw escaped(path);
  return real;
}

/**
 * Where a file may be written: its parent's real path must be under root, and the name itself
 * must not be a symlink (writing through one would land wherever it points).
 */
export async function writablePathUnder(root: string, path: string): Promise<string> {
  const parent = await existingPathUnder(root, dirname(path));
  const target = join(parent, basename(path));
  const stat = await lstat(target).catch(() => undefined);
  if (stat?.isSymbolicLink()) throw escaped(path);
  if (stat?.isDirectory())
    throw new ConnectorError('invalid_config', `path ${path} is a directory`);
  return target;
}
