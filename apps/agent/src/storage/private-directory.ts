import { mkdir, stat } from 'node:fs/promises';

/**
 * Creates a directory only the agent's user can enter (0700). An existing one keeps its mode;
 * the result says whether others can read it, so the agent can warn about it.
 */
export async function preparePrivateDirectory(
  path: string,
): Promise<{ readableByOthers: boolean }> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const { mode } = await stat(path);
  return { readableByOthers: process.platform !== 'win32' && (mode & 0o077) !== 0 };
}
