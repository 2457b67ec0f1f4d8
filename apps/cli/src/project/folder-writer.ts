import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CliError, usageError } from '../errors.js';
import { printable } from '../output/text.js';
import type { ProjectFile } from './project-library.js';

const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A relative path of plain names: no `..`, no absolute path, no hidden or odd segment. */
export function isSafeProjectPath(path: string): boolean {
  const segments = path.split('/');
  return segments.length <= 4 && segments.every((s) => SAFE_SEGMENT.test(s) && !s.includes('..'));
}

/**
 * Writes a project's files into `folder` (`weft project pull`). The folder must be new or empty:
 * pulling never overwrites work in progress. Paths come from the control plane's document, so
 * each is checked to stay inside the folder before anything is written.
 */
export async function writeProjectFolder(
  folder: string,
  files: readonly ProjectFile[],
): Promise<void> {
  for (const file of files) {
    if (!isSafeProjectPath(file.path)) {
      throw new CliError(
        'failed',
        `the project holds a file path that is not safe to write: ${printable(file.path, 80)}`,
      );
    }
  }
  const existing = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') throw usageError(`${folder} is a file, not a folder`);
    throw error;
  });
  if (existing.length > 0)
    throw usageError(`${folder} is not empty: pull into a new or empty folder`);
  await mkdir(folder, { recursive: true });
  for (const file of files) {
    const target = join(folder, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    // 'wx': a duplicate path in the answer fails instead of silently replacing a file.
    await writeFile(target, file.content, { flag: 'wx' });
  }
}
