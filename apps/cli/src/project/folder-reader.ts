import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, usageError, type Problem } from '../errors.js';
import type { ProjectFile } from './project-library.js';

/** Bounds that keep a mistaken `weft project push ~` from reading a whole home folder. */
export const FOLDER_LIMITS = Object.freeze({
  files: 2000,
  fileBytes: 2 * 1024 * 1024,
  totalBytes: 8 * 1024 * 1024,
  depth: 4,
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a project folder (design §1 layout) into `{ path, content }` files for
 * `parseProjectFolder`. Every file is passed on, so the parser reports unknown ones; hidden
 * entries (`.git`, `.DS_Store`) are skipped. Symbolic links are refused rather than followed: a
 * link could pull a file from outside the folder (a key, a config) into what is uploaded.
 */
export async function readProjectFolder(folder: string): Promise<ProjectFile[]> {
  const top = await lstat(folder).catch(() => undefined);
  if (top === undefined || !top.isDirectory()) throw usageError(`no project folder at ${folder}`);
  const files: ProjectFile[] = [];
  const problems: Problem[] = [];
  let total = 0;

  async function walk(directory: string, prefix: string, depth: number): Promise<void> {
    const entries = (await readdir(directory, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const full = join(directory, entry.name);
      if (entry.isSymbolicLink()) {
        problems.push({
          path,
          message: 'is a symbolic link: links are not followed, copy the file in',
        });
      } else if (entry.isDirectory()) {
        if (depth >= FOLDER_LIMITS.depth)
          problems.push({ path, message: 'is nested too deeply for a project folder' });
        else await walk(full, path, depth + 1);
      } else if (!entry.isFile()) {
        problems.push({ path, message: 'is not a regular file' });
      } else {
        if (files.length >= FOLDER_LIMITS.files) {
          throw new CliError(
            'validation',
            `${folder} holds more than ${FOLDER_LIMITS.files} files: is it a project folder?`,
          );
        }
        const bytes = await readFile(full);
        total += bytes.length;
        if (bytes.length > FOLDER_LIMITS.fileBytes) {
          problems.push({
            path,
            message: `is larger than ${FOLDER_LIMITS.fileBytes / 1024 / 1024} MiB`,
          });
          continue;
        }
        if (total > FOLDER_LIMITS.totalBytes) {
          throw new CliError(
            'validation',
            `${folder} holds more than ${FOLDER_LIMITS.totalBytes / 1024 / 1024} MiB: is it a project folder?`,
          );
        }
        try {
          files.push({ path, content: utf8.decode(bytes) });
        } catch {
          problems.push({ path, message: 'is not UTF-8 text' });
        }
      }
    }
  }

  await walk(folder, '', 1);
  if (problems.length > 0) {
    throw new CliError('validation', `${folder} cannot be read as a project folder`, { problems });
  }
  return files;
}
