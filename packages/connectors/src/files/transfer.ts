import { createReadStream, createWriteStream } from 'node:fs';
import { link, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import {
  ConnectorError,
  type ConnectorContext,
  type ConnectorRecord,
  type WriteSummary,
} from '@weft/connector-sdk';
import { TransformError } from '@weft/transform';
import { batchParsed, parseRecords, RecordCounter, serializeRecords } from '../internal/formats.js';
import { requirePrivateAgent, throwIfCancelled } from '../internal/run.js';
import type { FilesConfig } from './config.js';
import { existingPathUnder, writablePathUnder } from './paths.js';

/** Reads the file, or every regular file directly in the directory (name order, symlinks checked). */
export async function* readFiles(
  config: FilesConfig,
  ctx: ConnectorContext,
): AsyncGenerator<ConnectorRecord[]> {
  requirePrivateAgent(ctx, 'files');
  throwIfCancelled(ctx.signal);
  const target = await existingPathUnder(config.root, config.path);
  const files: { real: string; label: string }[] = [];
  if ((await stat(target)).isDirectory()) {
    const names = (await readdir(target)).sort();
    for (const name of names) {
      const real = await existingPathUnder(config.root, join(config.path, name));
      if ((await stat(real)).isFile()) files.push({ real, label: join(config.path, name) });
    }
  } else {
    files.push({ real: target, label: config.path });
  }
  for (const file of files) {
    throwIfCancelled(ctx.signal);
    const stream = createReadStream(file.real, { signal: ctx.signal });
    try {
      yield* batchParsed(
        parseRecords(stream, config),
        `file ${file.label}`,
        config.batchSize,
        config.onInvalidRecord,
        ctx,
      );
    } catch (error) {
      throwIfCancelled(ctx.signal);
      if (ConnectorError.is(error)) throw error;
      throw fileError(error, `reading ${file.label}`);
    } finally {
      stream.destroy();
    }
  }
}

/**
 * Writes to a temporary file beside the target and renames it into place, so a reader never sees
 * half a file and a failed run leaves the previous file untouched.
 */
export async function writeFiles(
  config: FilesConfig,
  batches: AsyncIterable<readonly ConnectorRecord[]>,
  ctx: ConnectorContext,
): Promise<WriteSummary> {
  requirePrivateAgent(ctx, 'files');
  throwIfCancelled(ctx.signal);
  const target = await writablePathUnder(config.root, config.path);
  const temporary = join(
    dirname(target),
    `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const counter = new RecordCounter(ctx.signal);
  try {
    await pipeline(
      Readable.from(serializeRecords(counter.records(batches), config)),
      createWriteStream(temporary, { flags: 'wx', mode: 0o640 }),
      { signal: ctx.signal },
    );
    if (config.overwrite) {
      await rename(temporary, target);
    } else {
      // link() fails when the target exists, atomically: no check-then-write race.
      await link(temporary, target).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST')
          throw new ConnectorError(
            'invalid_config',
            `path ${config.path} already exists and overwrite is false`,
          );
        throw error;
      });
    }
  } catch (error) {
    if (ctx.signal.aborted)
      throw new ConnectorError('cancelled', 'the run was cancelled', { cause: error });
    if (TransformError.is(error))
      throw new ConnectorError('record_rejected', error.message, { cause: error });
    if (ConnectorError.is(error)) throw error;
    throw fileError(error, `writing ${config.path}`);
  } finally {
    await rm(temporary, { force: true });
  }
  return { written: counter.count, failed: 0 };
}

/** A file-system error by its code only (EACCES, ENOSPC …): the message could quote paths outside the root. */
function fileError(error: unknown, during: string): ConnectorError {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? 'unknown';
  return new ConnectorError('remote_error', `${during} failed: ${code}`, {
    cause: error,
    retryable: code === 'EBUSY' || code === 'EAGAIN',
  });
}
