import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_LOG_PREFIX } from '../storage/log-retention.js';

const FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;

/**
 * The agent's local log: the same (already redacted) lines as stdout, appended to
 * logDir/weft-agent-<UTC date>.log (mode 0600), a new file each day. The retention sweep deletes
 * old ones. Written synchronously so the last lines before a crash are on disk.
 */
export class AgentLogFile {
  #fd: number | undefined;
  #date: string | undefined;
  #failed = false;

  constructor(
    readonly logDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The file a line written now goes to. */
  pathFor(date: Date = this.now()): string {
    return join(this.logDir, `${AGENT_LOG_PREFIX}agent-${date.toISOString().slice(0, 10)}.log`);
  }

  write(line: string): void {
    if (this.#failed) return;
    try {
      const date = this.now();
      const day = date.toISOString().slice(0, 10);
      if (this.#fd === undefined || this.#date !== day) {
        this.close();
        mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
        this.#fd = openSync(this.pathFor(date), FLAGS, 0o600);
        this.#date = day;
      }
      writeSync(this.#fd, line.endsWith('\n') ? line : `${line}\n`);
    } catch {
      // The console still gets every line; a full or read-only disk must not stop the agent.
      this.#failed = true;
      this.close();
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
