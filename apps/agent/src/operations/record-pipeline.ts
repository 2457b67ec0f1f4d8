import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type {
  ConnectorContext,
  ConnectorDefinition,
  ConnectorRecord,
  WriteSummary,
} from '@weft/connector-sdk';
import { type CompiledMapping, type RunContext as MappingRunContext } from '@weft/transform';
import type { RecordCounts } from '../runs/work-source.js';
import { NdjsonAppender } from './ndjson-appender.js';
import type { RunRecordFiles } from './run-record-files.js';

export interface RecordPipeline {
  readonly source: { readonly connector: ConnectorDefinition; readonly config: unknown };
  readonly mapping?: { readonly compiled: CompiledMapping; readonly run: MappingRunContext };
  readonly target?: { readonly connector: ConnectorDefinition; readonly config: unknown };
  readonly chunkRecords: number;
  readonly context: ConnectorContext;
  readonly counts: RecordCounts;
  readonly files: RunRecordFiles;
}

/** The file in the run folder that remembers what went to the target, to sort it once it answers. */
const SPOOL_FILE = 'target-records.ndjson';

/**
 * source.read → mapping per record → target.write in chunks. A record the mapping fails goes to
 * the failed file with every reason; a record the target refuses goes there with the target's
 * reason; the rest to the succeeded file. Without a target, mapped records are counted as written.
 */
export async function runRecordPipeline(pipeline: RecordPipeline): Promise<void> {
  const { target, context, counts, files } = pipeline;
  if (target === undefined) {
    for await (const record of mappedRecords(pipeline)) {
      counts.written += 1;
      await files.succeeded.append({ record });
    }
    return;
  }
  const spool = new NdjsonAppender(join(context.workDir, SPOOL_FILE));
  let summary: WriteSummary;
  try {
    summary = await target.connector.write!(
      target.config,
      // One chunk read and mapped ahead: while the target waits on its database or network,
      // the next chunk is prepared instead of the process sitting idle.
      prefetch(chunked(mappedRecords(pipeline), pipeline.chunkRecords, spool), 1),
      context,
    );
  } finally {
    await spool.close();
  }
  counts.written += summary.written;
  counts.failed += summary.failed;
  await sortWrittenRecords(spool, summary, files);
}

/** Source records through the mapping; mapping failures are counted and filed on the way. */
async function* mappedRecords(pipeline: RecordPipeline): AsyncGenerator<ConnectorRecord> {
  const { source, mapping, context, counts, files } = pipeline;
  for await (const batch of source.connector.read!(source.config, context)) {
    for (const record of batch) {
      counts.read += 1;
      if (mapping === undefined) {
        yield record;
        continue;
      }
      // A policy of `fail` makes apply throw MappingError record_failed: that ends the run.
      const result = mapping.compiled.apply(record, mapping.run);
      if ('failed' in result) {
        counts.failed += 1;
        await files.failed.append({
          sourceRecord: counts.read,
          stage: 'mapping',
          reasons: result.failed,
          record,
        });
        continue;
      }
      for (const mapped of result.records) yield mapped as ConnectorRecord;
    }
  }
}

async function* chunked(
  records: AsyncIterable<ConnectorRecord>,
  size: number,
  spool: NdjsonAppender,
): AsyncGenerator<readonly ConnectorRecord[]> {
  let chunk: ConnectorRecord[] = [];
  for await (const record of records) {
    chunk.push(record);
    await spool.append(record);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * Pulls up to `ahead` items before they are asked for, in order. Errors surface when the item
 * that failed is reached; returning early stops the source.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, ahead: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const pending: Array<Promise<IteratorResult<T>>> = [];
  const pull = () => {
    const next = iterator.next();
    next.catch(() => undefined); // observed when its turn comes, not reported as unhandled
    pending.push(next);
  };
  try {
    pull();
    for (;;) {
      const result = await pending.shift()!;
      if (result.done === true) return;
      while (pending.length < ahead) pull();
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** Reads the spool back and files each record by the target's verdict (failures by stream index). */
async function sortWrittenRecords(
  spool: NdjsonAppender,
  summary: WriteSummary,
  files: RunRecordFiles,
): Promise<void> {
  if (spool.count === 0) return;
  const refused = new Map<number, string>();
  for (const failure of summary.failures ?? []) refused.set(failure.index, failure.reason);
  // The spool holds what this process serialised itself, one JSON value per line: a record the
  // target accepted is filed as its line wrapped, without parsing and serialising it again.
  let index = 0;
  const lines = createInterface({ input: createReadStream(spool.path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const reason = refused.get(index);
    if (reason === undefined) await files.succeeded.appendLine(`{"record":${line}}`);
    else {
      await files.failed.append({
        stage: 'target',
        reasons: [reason],
        record: JSON.parse(line) as unknown,
      });
    }
    index += 1;
  }
}
