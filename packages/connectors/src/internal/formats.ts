import type { ConnectorContext, ConnectorRecord } from '@weft/connector-sdk';
import { ConnectorError } from '@weft/connector-sdk';
import {
  readCsv,
  readJsonArray,
  readNdjson,
  TransformError,
  writeCsv,
  writeJsonArray,
  writeNdjson,
  type RecordResult,
} from '@weft/transform';
import { throwIfCancelled } from './run.js';

export type RecordFormat = 'ndjson' | 'json' | 'csv';
export const RECORD_FORMATS: readonly RecordFormat[] = ['ndjson', 'json', 'csv'];

/** What to do with a record the reader cannot parse: stop the run (default) or log and skip it. */
export type InvalidRecordPolicy = 'fail' | 'skip';

export interface FormatSettings {
  readonly format: RecordFormat;
  /** CSV only: the field delimiter (default ','). */
  readonly csvDelimiter?: string;
}

export function parseRecords(
  source: AsyncIterable<Uint8Array>,
  settings: FormatSettings,
): AsyncIterable<RecordResult> {
  switch (settings.format) {
    case 'ndjson':
      return readNdjson(source);
    case 'json':
      return readJsonArray(source);
    case 'csv':
      return readCsv(
        source,
        settings.csvDelimiter === undefined ? {} : { delimiter: settings.csvDelimiter },
      );
  }
}

export function serializeRecords(
  records: AsyncIterable<ConnectorRecord>,
  settings: FormatSettings,
): AsyncIterable<string> {
  switch (settings.format) {
    case 'ndjson':
      return writeNdjson(records);
    case 'json':
      return writeJsonArray(records);
    case 'csv':
      return writeCsv(
        records,
        settings.csvDelimiter === undefined ? {} : { delimiter: settings.csvDelimiter },
      );
  }
}

function isRecord(value: unknown): value is ConnectorRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Groups parsed records into batches. An unparsable line (or a non-object value) fails the run,
 * or is logged and skipped; either way the reason names the source and line, never the data.
 */
export async function* batchParsed(
  results: AsyncIterable<RecordResult>,
  where: string,
  batchSize: number,
  onInvalid: InvalidRecordPolicy,
  ctx: Pick<ConnectorContext, 'signal' | 'logger'>,
): AsyncGenerator<ConnectorRecord[]> {
  let batch: ConnectorRecord[] = [];
  try {
    for await (const result of results) {
      const record = result.ok ? result.record : undefined;
      const reason = !result.ok ? result.reason : isRecord(record) ? undefined : 'not an object';
      if (reason !== undefined) {
        if (onInvalid === 'fail') {
          throw new ConnectorError('record_rejected', `${where} line ${result.line}: ${reason}`);
        }
        ctx.logger.warn('skipped an unreadable record', {
          source: where,
          line: result.line,
          reason,
        });
        continue;
      }
      batch.push(record as ConnectorRecord);
      if (batch.length >= batchSize) {
        throwIfCancelled(ctx.signal);
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (TransformError.is(error)) {
      throw new ConnectorError('record_rejected', `${where}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  if (batch.length > 0) yield batch;
}

/** Flattens batches into records, counting them, so writers can stream through @weft/transform. */
export class RecordCounter {
  count = 0;
  constructor(private readonly signal: AbortSignal) {}
  async *records(
    batches: AsyncIterable<readonly ConnectorRecord[]>,
  ): AsyncGenerator<ConnectorRecord> {
    for await (const batch of batches) {
      throwIfCancelled(this.signal);
      for (const record of batch) {
        yield record;
        this.count += 1;
      }
    }
  }
}
