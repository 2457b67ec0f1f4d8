// runTransform: reader → mapping → writer, pull-based. The writer pulls target records one at a
// time; each pull reads and maps just enough source records to answer it, so memory stays
// constant whatever the input size and a slow writer slows the reader (backpressure).
import type { CompiledMapping, RunContext } from '../mapping/types.js';
import type { RecordResult } from '../ndjson-reader.js';
import { TransformError } from '../errors.js';
import { DEFAULT_NDJSON_MAX_DEPTH } from '../ndjson-reader.js';
import { nestsDeeperThan } from './depth.js';
import type { ValidationFailure } from '../validation/types.js';

export interface TransformCounts {
  /** Source records read, failed reads included. */
  read: number;
  /** Target records handed to the writer. */
  written: number;
  /** Source records that failed (reading, mapping or validation). */
  failed: number;
  /** Source records that produced no target record (every `when` false, or empty loops). */
  skipped: number;
}

/** One entry of the failed-records output. */
export interface FailedRecord {
  /** Where the record starts in the input (the reader's `line`). */
  readonly line: number;
  /** The source record as read; absent when it could not be read. */
  readonly record?: unknown;
  /** Every reason, with field path and rule; never the offending value. */
  readonly reasons: readonly ValidationFailure[];
}

/** Consumes target records (pulling them, one at a time) and resolves when all are written. */
export type RecordSink = (records: AsyncIterable<unknown>) => Promise<void>;

export interface RunTransformOptions {
  readonly reader: AsyncIterable<RecordResult>;
  readonly mapping: CompiledMapping;
  /** The run's lookups and run variables; default `mapping.createRunContext()`. */
  readonly run?: RunContext;
  readonly writer: RecordSink;
  /** Receives each failed record; awaited, so a slow failed-records output also holds the reader back. */
  readonly failedWriter?: (failed: FailedRecord) => void | Promise<void>;
  /** Called every `progressEvery` source records and once at the end. */
  readonly onProgress?: (counts: Readonly<TransformCounts>) => void;
  readonly progressEvery?: number;
  /** Stops the run before the next record; runTransform then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Deepest nesting of arrays and objects in a target record (default 256, as readNdjson reads).
   * A deeper one fails its source record instead of reaching the writer, where JSON.stringify or
   * the XML writer would run out of stack and stop the whole run.
   */
  readonly maxRecordDepth?: number;
}

/**
 * Runs a mapping over a reader into a writer and returns the counts for the activity log.
 * Rejects with the error of the reader (a whole-stream TransformError), the writer, or the
 * mapping (MappingError `record_failed` when the document says `fail`), or the abort reason.
 */
export async function runTransform(options: RunTransformOptions): Promise<TransformCounts> {
  const { reader, mapping, writer, failedWriter, onProgress, signal } = options;
  const every = options.progressEvery ?? 1000;
  if (!Number.isSafeInteger(every) || every < 1)
    throw new TransformError('invalid_option', 'progressEvery must be a positive integer');
  const maxDepth = options.maxRecordDepth ?? DEFAULT_NDJSON_MAX_DEPTH;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 1)
    throw new TransformError('invalid_option', 'maxRecordDepth must be a positive integer');
  if (typeof writer !== 'function')
    throw new TransformError('invalid_option', 'writer must be a function');
  if (typeof (reader as Partial<AsyncIterable<unknown>>)?.[Symbol.asyncIterator] !== 'function')
    throw new TransformError(
      'invalid_source',
      'reader must be an async iterable of record results',
    );
  signal?.throwIfAborted();
  const run = options.run ?? mapping.createRunContext();
  const counts: TransformCounts = { read: 0, written: 0, failed: 0, skipped: 0 };
  let finished = false;

  async function* targetRecords(): AsyncGenerator<unknown> {
    for await (const result of signal ? abortable(reader, signal) : reader) {
      signal?.throwIfAborted();
      counts.read += 1;
      if (!result.ok) {
        counts.failed += 1;
        await failedWriter?.({
          line: result.line,
          reasons: [{ path: '', rule: 'read', message: result.reason }],
        });
      } else {
        const outcome = mapping.apply(result.record, run);
        if ('failed' in outcome) {
          counts.failed += 1;
          await failedWriter?.({
            line: result.line,
            record: result.record,
            reasons: outcome.failed,
          });
        } else if (outcome.records.some((record) => nestsDeeperThan(record, maxDepth))) {
          counts.failed += 1;
          await failedWriter?.({
            line: result.line,
            record: result.record,
            reasons: [
              { path: '', rule: 'limit', message: `nested deeper than ${maxDepth} levels` },
            ],
          });
        } else if (outcome.records.length === 0) counts.skipped += 1;
        else
          for (const record of outcome.records) {
            counts.written += 1;
            yield record;
          }
      }
      if (counts.read % every === 0) onProgress?.({ ...counts });
    }
    finished = true;
  }

  const records = targetRecords();
  try {
    await writer(records);
  } finally {
    // a writer that failed or stopped early: release the reader (and its source) now
    if (!finished) await records.return(undefined);
  }
  signal?.throwIfAborted();
  if (!finished)
    throw new TransformError('invalid_option', 'the writer stopped before the last record');
  onProgress?.({ ...counts });
  return counts;
}

/**
 * Lets an abort interrupt a reader that is waiting for its source (a stalled socket, a pipe
 * nobody writes to): the pending read is abandoned and the reader asked to release its source.
 */
function abortable<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const iterator = source[Symbol.asyncIterator]();
      const release = (): void => {
        // not awaited: a reader stuck in its source finishes releasing when that read settles
        void Promise.resolve(iterator.return?.()).catch(() => undefined);
      };
      return {
        next: () =>
          new Promise<IteratorResult<T>>((resolve, reject) => {
            if (signal.aborted) {
              release();
              reject(signal.reason);
              return;
            }
            const onAbort = (): void => {
              release();
              reject(signal.reason);
            };
            signal.addEventListener('abort', onAbort, { once: true });
            iterator.next().then(
              (step) => {
                signal.removeEventListener('abort', onAbort);
                resolve(step);
              },
              (error: unknown) => {
                signal.removeEventListener('abort', onAbort);
                reject(error);
              },
            );
          }),
        return: async (value?: unknown) => {
          await iterator.return?.();
          return { done: true, value: value as T };
        },
      };
    },
  };
}
