import {
  ConnectorError,
  type ConnectorContext,
  type ConnectorRecord,
  type WriteSummary,
} from '@weft/connector-sdk';
import type pg from 'pg';
import { MAX_REPORTED_FAILURES, throwIfCancelled } from '../internal/run.js';
import type { PostgresConfig, PostgresWrite } from './config.js';
import { identifierAt } from './config.js';
import { connectPostgres, isRecordError, quoteIdentifier, toConnectorError } from './connect.js';

/** PostgreSQL's limit on bind parameters in one statement. */
const MAX_PARAMETERS = 65_535;

type Failure = { index: number; reason: string };

/** Builds the statements of one write target; values always travel as bind parameters. */
class InsertPlan {
  private readonly columns: readonly string[];
  private readonly recordColumns: readonly string[];
  private readonly head: string;
  private readonly tail: string;
  readonly rowsPerStatement: number;
  private readonly texts = new Map<number, string>();
  private readonly known: ReadonlySet<string>;

  constructor(
    write: PostgresWrite,
    recordColumns: readonly string[],
    private readonly idempotencyKey: string,
  ) {
    // The idempotency column is always the run's key, even when a record carries that field.
    this.recordColumns = recordColumns.filter((name) => name !== write.idempotencyKeyColumn);
    this.known = new Set(recordColumns);
    this.columns = write.idempotencyKeyColumn
      ? [...this.recordColumns, write.idempotencyKeyColumn]
      : this.recordColumns;
    const quoted = this.columns.map(quoteIdentifier);
    this.head = `INSERT INTO ${write.table.map(quoteIdentifier).join('.')} (${quoted.join(', ')}) VALUES `;
    if (write.mode === 'upsert') {
      const updates = this.columns.filter((name) => !write.key.includes(name)).map(quoteIdentifier);
      this.tail =
        ` ON CONFLICT (${write.key.map(quoteIdentifier).join(', ')}) ` +
        (updates.length === 0
          ? 'DO NOTHING'
          : `DO UPDATE SET ${updates.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`);
    } else {
      this.tail = '';
    }
    this.rowsPerStatement = Math.max(
      1,
      Math.min(write.batchSize, Math.floor(MAX_PARAMETERS / this.columns.length)),
    );
  }

  text(rows: number): string {
    let text = this.texts.get(rows);
    if (text === undefined) {
      const width = this.columns.length;
      const tuples: string[] = [];
      for (let row = 0; row < rows; row += 1) {
        const slots: string[] = [];
        for (let column = 1; column <= width; column += 1) slots.push(`$${row * width + column}`);
        tuples.push(`(${slots.join(', ')})`);
      }
      text = `${this.head}${tuples.join(', ')}${this.tail}`;
      // Only the full-size statement is reused often enough to be worth keeping.
      if (rows === this.rowsPerStatement) this.texts.set(rows, text);
    }
    return text;
  }

  hasColumn(name: string): boolean {
    return this.known.has(name);
  }

  values(records: readonly ConnectorRecord[]): unknown[] {
    const values: unknown[] = [];
    for (const record of records) {
      for (const name of this.recordColumns) values.push(toParameter(record[name]));
      if (this.columns.length > this.recordColumns.length) values.push(this.idempotencyKey);
    }
    return values;
  }
}

// Objects and arrays go as JSON text (json/jsonb columns); pg would turn arrays into array literals.
function toParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'object' && value !== null && !(value instanceof Date))
    return JSON.stringify(value);
  return value;
}

/**
 * Writes each incoming batch in its own transaction with multi-row INSERT (… ON CONFLICT for
 * upserts). When a batch hits a data error, it is replayed row by row under savepoints so that
 * only the offending records fail, each reported by its index in the stream.
 */
export async function writePostgres(
  config: PostgresConfig,
  write: PostgresWrite,
  batches: AsyncIterable<readonly ConnectorRecord[]>,
  ctx: ConnectorContext,
): Promise<WriteSummary> {
  throwIfCancelled(ctx.signal);
  const client = await connectPostgres(config, ctx);
  let plan: InsertPlan | undefined;
  let written = 0;
  let failed = 0;
  let offset = 0;
  const failures: Failure[] = [];
  const fail = (index: number, reason: string): void => {
    failed += 1;
    if (failures.length < MAX_REPORTED_FAILURES) failures.push({ index, reason });
  };
  // Cancelling ends the connection: the open transaction rolls back and nothing half-written stays.
  const onAbort = (): void => void client.end().catch(() => undefined);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const batch of batches) {
      throwIfCancelled(ctx.signal);
      if (batch.length === 0) continue;
      plan ??= new InsertPlan(write, write.columns ?? columnsOf(batch[0]!), ctx.idempotencyKey);
      const accepted: { record: ConnectorRecord; index: number }[] = [];
      batch.forEach((record, position) => {
        const reason = checkRecord(record, write.columns, plan!);
        if (reason === undefined) accepted.push({ record, index: offset + position });
        else fail(offset + position, reason);
      });
      offset += batch.length;
      if (accepted.length === 0) continue;
      try {
        await client.query('BEGIN');
        for (let start = 0; start < accepted.length; start += plan.rowsPerStatement) {
          const chunk = accepted
            .slice(start, start + plan.rowsPerStatement)
            .map((item) => item.record);
          await client.query(plan.text(chunk.length), plan.values(chunk));
        }
        await client.query('COMMIT');
        written += accepted.length;
      } catch (error) {
        throwIfCancelled(ctx.signal);
        await client.query('ROLLBACK').catch(() => undefined);
        if (!isRecordError(error)) throw toConnectorError(error, 'write');
        try {
          written += await replayRowByRow(client, plan, accepted, fail);
        } catch (replayError) {
          throw toConnectorError(replayError, 'write');
        }
      }
    }
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    // Errors of the incoming batches (upstream) pass through unchanged; pg's are mapped above.
    await client.end().catch(() => undefined);
  }
  return failures.length === 0 ? { written, failed } : { written, failed, failures };
}

async function replayRowByRow(
  client: pg.Client,
  plan: InsertPlan,
  rows: readonly { record: ConnectorRecord; index: number }[],
  fail: (index: number, reason: string) => void,
): Promise<number> {
  let written = 0;
  await client.query('BEGIN');
  for (const { record, index } of rows) {
    await client.query('SAVEPOINT weft_row');
    try {
      await client.query(plan.text(1), plan.values([record]));
      await client.query('RELEASE SAVEPOINT weft_row');
      written += 1;
    } catch (error) {
      if (!isRecordError(error)) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      await client.query('ROLLBACK TO SAVEPOINT weft_row');
      fail(index, toConnectorError(error, 'insert').message);
    }
  }
  await client.query('COMMIT');
  return written;
}

/** Without configured columns, the first record's keys are the columns, each a checked identifier. */
function columnsOf(record: ConnectorRecord): string[] {
  const names = Object.keys(record);
  if (names.length === 0)
    throw new ConnectorError(
      'record_rejected',
      'the first record has no fields to derive columns from',
    );
  return names.map((name) => {
    try {
      return identifierAt(name, 'record field');
    } catch {
      throw new ConnectorError(
        'record_rejected',
        'the first record has a field name that is not an identifier; set write.columns',
      );
    }
  });
}

// A derived column list must hold every key: a field the table would silently drop fails the record.
function checkRecord(
  record: ConnectorRecord,
  configured: readonly string[] | undefined,
  plan: InsertPlan,
): string | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    return 'not an object';
  if (configured !== undefined) return undefined;
  for (const name of Object.keys(record))
    if (!plan.hasColumn(name)) return 'has a field that is not a column of the first record';
  return undefined;
}
