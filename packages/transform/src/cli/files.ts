// The CLI's own files: inputs read with a size cap, outputs that can never be one of the inputs
// and that appear only when the run succeeds (written to a temp file, then renamed).
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './args.js';

/** A file of the run, named by its option for messages (`--in`, `--lookup units`, …). */
export interface NamedFile {
  readonly option: string;
  readonly path: string;
}

interface Identity {
  readonly real: string;
  readonly dev?: number;
  readonly ino?: number;
}

// A file that does not exist yet is known by its directory's real path; one that exists by
// its (dev, ino) too, so a hard link or a symlink to an input is caught.
async function identify(path: string): Promise<Identity> {
  try {
    const real = await realpath(path);
    const stats = await stat(real);
    return { real, dev: stats.dev, ino: stats.ino };
  } catch {
    try {
      return { real: join(await realpath(dirname(path)), basename(path)) };
    } catch {
      return { real: path }; // a missing directory: opening reports it
    }
  }
}

function same(a: Identity, b: Identity): boolean {
  if (a.real === b.real) return true;
  return a.dev !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/**
 * Refuses (UsageError, one line) an output that is another output or any input, by real path
 * and by (dev, ino), and an existing output that is not a regular file: it is replaced by a
 * rename, which must never swap out a device or a pipe.
 */
export async function checkOutputs(
  outputs: readonly NamedFile[],
  inputs: readonly NamedFile[],
): Promise<void> {
  const inputIds = await Promise.all(inputs.map(async (file) => identify(file.path)));
  const seen: Array<{ file: NamedFile; id: Identity }> = [];
  for (const file of outputs) {
    const id = await identify(file.path);
    if (id.ino !== undefined && !(await stat(id.real)).isFile())
      throw new UsageError(`${file.option}: ${file.path} is not a regular file`);
    for (const other of seen)
      if (same(id, other.id))
        throw new UsageError(`${file.option} and ${other.file.option} are the same file`);
    inputs.forEach((input, i) => {
      if (same(id, inputIds[i]!))
        throw new UsageError(
          `${file.option} is the same file as ${input.option}; refusing to overwrite it`,
        );
    });
    seen.push({ file, id });
  }
}

/**
 * Reads a whole small file (mapping, options) as UTF-8, never more than `max` bytes: the size is
 * not trusted (`/dev/zero` says 0), the read itself stops one byte past the cap.
 */
export async function readCapped(path: string, max: number, what: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(max + 1, 65_536));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > max) throw new UsageError(`${what} is over ${max} bytes`);
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Passes `source` on, failing once more than `max` bytes went through. */
export async function* capped(
  source: AsyncIterable<Uint8Array>,
  max: number,
  what: string,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > max) throw new UsageError(`${what} is over ${max} bytes`);
    yield chunk;
  }
}

/** An output written beside its final path and moved there only by `commit`. */
export interface PendingFile {
  readonly stream: WriteStream;
  /** Renames the finished temp file over the final path. */
  commit(): Promise<void>;
  /** Removes the temp file (a failed run leaves nothing behind). */
  discard(): Promise<void>;
}

/**
 * Creates the temp file exclusively (never through an existing name or symlink) with mode
 * 0600, as outputs may hold business data; the final file keeps that mode. Resolves once the
 * file is open, so a missing directory is reported before the run starts.
 */
export async function pendingFile(path: string): Promise<PendingFile> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.weft-tmp`);
  const stream = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) => {
      // the message names the option's path, not the temp file nobody asked for
      reject(Object.assign(error, { path }));
    });
  });
  // errors reach whoever writes (pipeline, the failed-records writer) and commit; never unhandled
  stream.on('error', () => undefined);
  return {
    stream,
    async commit() {
      if (!stream.writableEnded) stream.end();
      await finished(stream);
      await rename(temp, path);
    },
    async discard() {
      stream.destroy();
      await finished(stream).catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    },
  };
}
