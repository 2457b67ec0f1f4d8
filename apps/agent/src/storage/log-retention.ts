import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Everything the agent writes into logDir is named weft-*; nothing else there is ever deleted. */
export const AGENT_LOG_PREFIX = 'weft-';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes weft-* entries in logDir last modified more than `retentionDays` ago (debug logs and
 * success/failed record files are kept 1-14 days). Returns the names deleted.
 */
export async function pruneExpiredAgentLogs(
  logDir: string,
  retentionDays: number,
  now: number,
): Promise<string[]> {
  const cutoff = now - retentionDays * DAY_MS;
  const expired: string[] = [];
  for (const name of await readdir(logDir)) {
    if (!name.startsWith(AGENT_LOG_PREFIX)) continue;
    const path = join(logDir, name);
    try {
      if ((await stat(path)).mtimeMs < cutoff) {
        await rm(path, { recursive: true, force: true });
        expired.push(name);
      }
    } catch (error) {
      // Deleted meanwhile by someone else: nothing left to prune.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return expired;
}
