import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';

/** True when `path` is `directory` itself or lies somewhere beneath it (both absolute and normalised). */
export function isSameOrInside(path: string, directory: string): boolean {
  const fromDirectory = relative(directory, path);
  return (
    fromDirectory === '' ||
    (fromDirectory !== '..' && !fromDirectory.startsWith(`..${sep}`) && !isAbsolute(fromDirectory))
  );
}

export function overlaps(a: string, b: string): boolean {
  return isSameOrInside(a, b) || isSameOrInside(b, a);
}

/**
 * The real path of `path`, or — when it does not exist yet (an agent directory before its first
 * start) — the real path of its nearest existing ancestor with the missing rest appended, so a
 * symlinked parent still counts. Falls back to `path` itself when nothing can be resolved.
 */
export async function realPathOfNearest(
  path: string,
  realpath: (path: string) => Promise<string>,
): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...[...missing].reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = dirname(current);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) return path;
      missing.push(basename(current));
      current = parent;
    }
  }
}
