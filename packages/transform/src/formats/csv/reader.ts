import { TransformError } from '../../errors.js';
import { quotedName } from '../../internal/short-name.js';
import type { RecordResult } from '../../ndjson-reader.js';
import { parseCell, type CellType } from '../text/cells.js';
import { decodeText } from '../text/decoding.js';
import {
  resolveReadOptions,
  type CsvReadOptions,
  type ResolvedColumn,
  type ResolvedReadOptions,
} from './options.js';
import { CsvScanner, NEED_MORE, ROW } from './scanner.js';

/**
 * Reads CSV as records: one result per data row, an object keyed by column name (a plain
 * object with own keys only, in column order; a column called "__proto__" is an ordinary
 * key). A bad row — wrong number of fields, a cell that does not parse as its column's type,
 * a cell or row over the size limits, bad quoting inside the row — yields a failed result
 * naming its line and the reader goes on. Input that cannot be read on (a quote still open at
 * the end, invalid bytes, a bad header) throws TransformError. Options are checked here.
 */
export function readCsv(
  source: AsyncIterable<Uint8Array | string>,
  options?: CsvReadOptions,
): AsyncIterable<RecordResult> {
  const resolved = resolveReadOptions(options);
  const text = decodeText(source, { encoding: resolved.encoding });
  return readRows(text, resolved);
}

async function* readRows(
  text: AsyncIterable<string>,
  o: ResolvedReadOptions,
): AsyncGenerator<RecordResult> {
  const scanner = new CsvScanner(o);
  let builder: RecordBuilder | undefined =
    !o.header && o.columns ? new RecordBuilder(o.columns, o) : undefined;
  let headerPending = o.header;
  const row = (): RecordResult | undefined => {
    if (headerPending) {
      headerPending = false;
      builder = headerBuilder(scanner, o);
      return undefined;
    }
    // a too-wide first row must not size the columns of every later one
    if (builder === undefined && scanner.problem !== undefined)
      return { ok: false, line: scanner.rowLine, reason: scanner.problem };
    builder ??= new RecordBuilder(generatedColumns(scanner.fieldCount), o);
    return builder.build(scanner);
  };
  for await (const chunk of text) {
    scanner.push(chunk);
    while (scanner.next() === ROW) {
      const result = row();
      if (result) yield result;
    }
  }
  scanner.end();
  for (let status = scanner.next(); status !== NEED_MORE; status = scanner.next()) {
    if (status !== ROW) break;
    const result = row();
    if (result) yield result;
  }
}

function generatedColumns(count: number): ResolvedColumn[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `column${i + 1}`,
    type: 'string' as CellType,
    required: false,
  }));
}

function headerBuilder(scanner: CsvScanner, o: ResolvedReadOptions): RecordBuilder {
  const line = scanner.rowLine;
  if (scanner.fieldCount > o.maxColumns)
    throw new TransformError(
      'limit_exceeded',
      `line ${line}: the header has more than ${o.maxColumns} columns (maxColumns)`,
    );
  if (scanner.problem !== undefined) {
    throw new TransformError('malformed_input', `header row: ${scanner.problem}`);
  }
  const count = scanner.fieldCount;
  if (o.columns) {
    if (count !== o.columns.length) {
      throw new TransformError(
        'malformed_input',
        `line ${line}: the header has ${count} columns, the options name ${o.columns.length}`,
      );
    }
    return new RecordBuilder(o.columns, o);
  }
  const seen = new Map<string, number>();
  const columns: ResolvedColumn[] = [];
  for (let i = 0; i < count; i++) {
    const name = scanner.fields[i] === '' ? `column${i + 1}` : scanner.fields[i]!;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new TransformError(
        'malformed_input',
        `line ${line}: header columns ${earlier + 1} and ${i + 1} have the same name`,
      );
    }
    seen.set(name, i);
    columns.push({ name, type: 'string', required: false });
  }
  return new RecordBuilder(columns, o);
}

/** Turns scanned rows into records; one per reader, its columns fixed, so every record has the same shape. */
class RecordBuilder {
  private readonly names: string[];
  private readonly types: (CellType | undefined)[];
  private readonly required: boolean[];
  private readonly unsafeKeys: boolean;
  private readonly typed: boolean;

  constructor(
    private readonly columns: readonly ResolvedColumn[],
    private readonly o: ResolvedReadOptions,
  ) {
    this.names = columns.map((c) => c.name);
    this.types = columns.map((c) => (c.type === 'string' ? undefined : c.type));
    this.required = columns.map((c) => c.required);
    this.typed =
      o.nullValues.size > 0 ||
      o.emptyAsNull ||
      columns.some((c) => c.type !== 'string' || c.required);
    this.unsafeKeys = this.names.includes('__proto__');
  }

  build(scanner: CsvScanner): RecordResult {
    const line = scanner.rowLine;
    if (scanner.problem !== undefined) return { ok: false, line, reason: scanner.problem };
    const names = this.names;
    const count = names.length;
    if (scanner.fieldCount !== count) {
      return {
        ok: false,
        line,
        reason: `line ${line}: expected ${count} fields, found ${scanner.fieldCount}`,
      };
    }
    const fields = scanner.fields;
    const record: Record<string, unknown> = {};
    if (!this.typed && !this.unsafeKeys) {
      for (let i = 0; i < count; i++) record[names[i]!] = fields[i];
      return { ok: true, line, record };
    }
    for (let i = 0; i < count; i++) {
      const text = fields[i]!;
      let value: unknown = text;
      const type = this.types[i];
      if (text === '' || this.o.nullValues.has(text)) {
        if (this.required[i]) return this.fail(line, i, 'is required');
        value = text === '' && type === undefined && !this.o.emptyAsNull ? '' : null;
      } else if (type !== undefined) {
        const parsed = parseCell(text, type);
        if (!parsed.ok) return this.fail(line, i, parsed.problem);
        value = parsed.value;
      }
      if (this.unsafeKeys) {
        Object.defineProperty(record, names[i]!, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        record[names[i]!] = value;
      }
    }
    return { ok: true, line, record };
  }

  private fail(line: number, index: number, problem: string): RecordResult {
    const name = quotedName(this.columns[index]!.name);
    return { ok: false, line, reason: `line ${line}: field ${index + 1} (${name}) ${problem}` };
  }
}
