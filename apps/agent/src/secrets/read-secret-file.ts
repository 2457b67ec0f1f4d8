import { constants } from 'node:fs';
import type * as nodeFs from 'node:fs/promises';
import { resolve } from 'node:path';
import { isSameOrInside, realPathOfNearest } from './host-paths.js';
import { SecretReferenceError, type SecretReferenceErrorCode } from './secret-reference.error.js';
import type { SecretReferencePolicy } from './secret-reference-policy.js';

/** The parts of node:fs/promises a `file:` reference needs; typed from the real module so fakes keep up. */
export type SecretFileSystem = Pick<typeof nodeFs, 'realpath' | 'open'>;

/** Resolved values are credentials and variables, capped like stored ones on the control plane. */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;

// O_NOFOLLOW: the checked real path's last component must not have become a symlink since.
// O_NONBLOCK: a FIFO placed in an allowed directory must not hang the agent in open().
// Both are absent on Windows, where the flags are simply not set.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Reads the file a `file:` reference names, if the operator's policy allows it.
 *
 * The path is checked twice: lexically (folding `..`) before the file system is asked, so a refused
 * path reveals nothing about the host; then by its real path (every symlink resolved), which must
 * lie inside the real path of an allowed directory and outside the agent's own files. The file
 * opened is that real path, not the one written.
 *
 * TOCTOU: someone able to write inside an allowed directory could swap a path component for a
 * symlink between the check and the open. That someone already has the operator's trust on the
 * host; the policy guards against users who can only write references, and those cannot race.
 * For the same reason a hard link inside an allowed directory counts as content the operator put
 * there: only someone with write access to that directory can make one.
 */
export async function readSecretFile(
  reference: string,
  path: string,
  policy: SecretReferencePolicy,
  fs: SecretFileSystem,
): Promise<string> {
  const refuse = (reason: string): SecretReferenceError =>
    new SecretReferenceError(
      'SECRET_REFERENCE_NOT_ALLOWED',
      reference,
      `is not allowed: ${reason}`,
    );

  const requested = resolve(path);
  if (!policy.fileDirectories.some((directory) => isSameOrInside(requested, resolve(directory)))) {
    throw refuse(
      "it is outside the agent's secretFileDirectories (WEFT_AGENT_SECRET_FILE_DIRECTORIES)",
    );
  }

  let realPath: string;
  try {
    realPath = await fs.realpath(path);
  } catch (error) {
    throw fileSystemFailure(reference, error);
  }
  const realDirectories = await Promise.all(
    policy.fileDirectories.map((directory) => fs.realpath(directory).catch(() => null)),
  );
  if (
    !realDirectories.some((directory) => directory !== null && isSameOrInside(realPath, directory))
  ) {
    // The real path is not named: where a link points is the host's business.
    throw refuse(
      "its real path (after following symbolic links) is outside the agent's secretFileDirectories",
    );
  }
  const realProtected = await Promise.all(
    policy.protectedPaths.map((protectedPath) =>
      realPathOfNearest(resolve(protectedPath), (candidate) => fs.realpath(candidate)),
    ),
  );
  if (realProtected.some((protectedPath) => isSameOrInside(realPath, protectedPath))) {
    throw refuse("it is one of the agent's own files (stateDir, workDir, logDir or config file)");
  }

  return readTextFile(reference, realPath, fs);
}

async function readTextFile(
  reference: string,
  realPath: string,
  fs: SecretFileSystem,
): Promise<string> {
  const unreadable = (reason: string): SecretReferenceError =>
    new SecretReferenceError('SECRET_REFERENCE_UNREADABLE', reference, `is unreadable: ${reason}`);

  let handle: nodeFs.FileHandle;
  try {
    handle = await fs.open(realPath, OPEN_FLAGS);
  } catch (error) {
    throw fileSystemFailure(reference, error);
  }
  let bytes: Buffer;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw unreadable('it is not a regular file');
    const tooLarge = `the file is larger than ${MAX_SECRET_VALUE_BYTES / 1024} KiB`;
    if (stats.size > MAX_SECRET_VALUE_BYTES) throw unreadable(tooLarge);
    // One byte over the cap is enough to know the file grew past it since stat().
    bytes = await readAtMost(handle, MAX_SECRET_VALUE_BYTES + 1);
    if (bytes.length > MAX_SECRET_VALUE_BYTES) throw unreadable(tooLarge);
  } catch (error) {
    throw SecretReferenceError.is(error) ? error : fileSystemFailure(reference, error);
  } finally {
    // A failing close must not hide the outcome of the read.
    await handle.close().catch(() => undefined);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw unreadable('the file is not UTF-8 text');
  }
  // Editors end files with a newline that is not part of the secret; only that one is dropped.
  const value = text.endsWith('\r\n')
    ? text.slice(0, -2)
    : text.endsWith('\n')
      ? text.slice(0, -1)
      : text;
  if (value === '') {
    throw new SecretReferenceError(
      'SECRET_REFERENCE_MISSING',
      reference,
      'is missing: the file is empty',
    );
  }
  return value;
}

async function readAtMost(handle: nodeFs.FileHandle, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(limit);
  let filled = 0;
  while (filled < limit) {
    const { bytesRead } = await handle.read(buffer, filled, limit - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** Maps an fs error to a code and a reason naming only its errno code (OS messages carry paths). */
function fileSystemFailure(reference: string, error: unknown): SecretReferenceError {
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  const known = typeof errno === 'string' && /^E[A-Z0-9]+$/.test(errno) ? errno : 'unknown error';
  const [code, reason]: [SecretReferenceErrorCode, string] =
    errno === 'ENOENT' || errno === 'ENOTDIR'
      ? ['SECRET_REFERENCE_MISSING', 'is missing: no such file on the agent host']
      : ['SECRET_REFERENCE_UNREADABLE', `is unreadable: the file cannot be read (${known})`];
  return new SecretReferenceError(code, reference, reason);
}
