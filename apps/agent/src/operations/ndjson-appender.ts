import { constants, type FileHandle, open } from 'node:fs/promises';

const FLUSH_AT_BYTES = 64 * 1024;
// Append, create 0600, and never through a symlink someone planted in the folder.
const FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;

/** Appends one JSON value per line to a private file (mode 0600), buffered; created on first write. */
export class NdjsonAppender {
  #file: FileHandle | undefined;
  #pending: string[] = [];
  #pendingBytes = 0;
  #count = 0;

  constructor(readonly path: string) {}

  /** Lines written (or buffered) so far. */
  get count(): number {
    return this.#count;
  }

  async append(value: unknown): Promise<void> {
    await this.appendLine(JSON.stringify(value));
  }

  /** One line that already is JSON text (the caller vouches for it). */
  async appendLine(json: string): Promise<void> {
    const line = `${json}\n`;
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    this.#count += 1;
    if (this.#pendingBytes >= FLUSH_AT_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    this.#file ??= await open(this.path, FLAGS, 0o600);
    const text = this.#pending.join('');
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#file.appendFile(text, 'utf8');
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.#file?.close();
      this.#file = undefined;
    }
  }
}
