import { TransformError } from '../../errors.js';
import { quotedName } from '../../internal/short-name.js';
import { requireRecords } from '../text/source.js';
import { resolveDialect, type CsvWriteOptions, type ResolvedDialect } from './options.js';

const LINE_ENDINGS = { lf: '\n', crlf: '\r\n', cr: '\r' } as const;
/** OWASP's list: a spreadsheet may run a cell starting with one of these as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

interface WriteSettings extends ResolvedDialect {
  readonly newline: string;
  readonly protectFormulas: boolean;
  readonly quoteAll: boolean;
  /** Character codes that force quoting anywhere in a cell (-1: none). */
  readonly special: readonly [number, number, number, number, number];
  readonly quoteEverywhere: RegExp;
  readonly escapedQuote: string;
}

function resolveWriteOptions(options: CsvWriteOptions | undefined): WriteSettings {
  const dialect = resolveDialect(options);
  const lineEnding = options?.lineEnding ?? 'crlf';
  if (!Object.hasOwn(LINE_ENDINGS, lineEnding)) {
    throw new TransformError('invalid_option', "lineEnding must be 'lf', 'crlf' or 'cr'");
  }
  for (const name of ['protectFormulas', 'quoteAll'] as const) {
    if (options?.[name] !== undefined && typeof options[name] !== 'boolean') {
      throw new TransformError('invalid_option', `${name} must be a boolean`);
    }
  }
  const quoteAll = options?.quoteAll ?? false;
  return {
    ...dialect,
    newline: LINE_ENDINGS[lineEnding],
    protectFormulas: options?.protectFormulas ?? false,
    quoteAll,
    special: [dialect.delimiter, dialect.quote, 0x0a, 0x0d, dialect.backslash ? 0x5c : -1],
    quoteEverywhere:
      dialect.quote < 0
        ? /(?!)/g
        : dialect.backslash
          ? new RegExp(`[${escapeClass(dialect.quoteText)}\\\\]`, 'g')
          : new RegExp(escapeClass(dialect.quoteText), 'g'),
    escapedQuote: dialect.backslash ? '\\$&' : `${dialect.quoteText}${dialect.quoteText}`,
  };
}

function escapeClass(char: string): string {
  return char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/**
 * Writes records as CSV text: a header row (unless `header: false`), then one row per record,
 * each ending in the chosen line ending. The columns are `columns` when given, otherwise the
 * first record's keys; a key a record lacks, null and undefined are written as empty cells.
 * Cells are quoted only when they need it. A nested object or array, a function or a symbol
 * in a cell throws `not_representable` naming the record (from 1) and the column. Without
 * `columns`, a later record with a key the first one lacked throws too, rather than silently
 * dropping data; with `columns`, other keys are left out on purpose.
 */
export function writeCsv(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  options?: CsvWriteOptions,
): AsyncIterable<string> {
  const settings = resolveWriteOptions(options);
  if (settings.quote < 0 && settings.quoteAll) {
    throw new TransformError('invalid_option', 'quoteAll needs a quote character');
  }
  requireRecords(records, 'writeCsv');
  return writeRows(records, settings);
}

/** Rows are joined into chunks of about this many characters: one yield per row costs more than the row. */
const CHUNK = 16 * 1024;

async function* writeRows(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  s: WriteSettings,
): AsyncGenerator<string> {
  let names: string[] | undefined = s.columns?.map((c) => c.name);
  let known: Set<string> | undefined;
  let number = 0;
  let out = '';
  // A synchronous iterable is walked without a promise per record.
  const sync =
    typeof (records as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] !== 'function';
  const source = sync
    ? (records as Iterable<unknown>)[Symbol.iterator]()
    : (records as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = sync
        ? (source as Iterator<unknown>).next()
        : await (source as AsyncIterator<unknown>).next();
      if (step.done) break;
      const record = step.value;
      number += 1;
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw new TransformError('not_representable', `record ${number}: is not an object`);
      }
      const fields = record as Record<string, unknown>;
      if (names === undefined) names = Object.keys(fields);
      if (known === undefined) {
        known = new Set(names);
        if (s.header)
          out += names.map((name) => cell(name, s, 0, name)).join(s.delimiterText) + s.newline;
      }
      const keys = Object.keys(fields);
      let cells: string[];
      if (sameKeys(keys, names)) {
        // The common case, records of one shape: values in key order, no lookups by name.
        const values = Object.values(fields);
        cells = new Array<string>(values.length);
        for (let i = 0; i < values.length; i++) cells[i] = cell(values[i], s, number, names[i]!);
      } else {
        // Columns taken from the first record: a later record's extra key would be lost silently.
        if (!s.columns) checkExtraKeys(keys, known, number);
        cells = names.map((name) =>
          // Only own keys count: "constructor" or "toString" must not come from the prototype.
          cell(Object.hasOwn(fields, name) ? fields[name] : undefined, s, number, name),
        );
      }
      const line = cells.join(s.delimiterText);
      out += line + s.newline;
      if (out.length >= CHUNK) {
        yield out;
        out = '';
      }
    }
  } finally {
    if (!sync) await (source as AsyncIterator<unknown>).return?.();
    else (source as Iterator<unknown>).return?.();
  }
  if (out !== '') yield out;
}

function sameKeys(keys: readonly string[], names: readonly string[]): boolean {
  if (keys.length !== names.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== names[i]) return false;
  return true;
}

function checkExtraKeys(keys: readonly string[], known: Set<string>, number: number): void {
  for (const key of keys) {
    if (!known.has(key)) {
      throw new TransformError(
        'not_representable',
        `record ${number}: key ${quotedName(key)} is not one of the columns`,
      );
    }
  }
}

function cell(value: unknown, s: WriteSettings, record: number, column: string): string {
  let text: string;
  switch (typeof value) {
    case 'string':
      text = s.protectFormulas && FORMULA_START.test(value) ? `'${value}` : value;
      break;
    case 'number':
    case 'bigint':
    case 'boolean':
      // Numbers are never prefixed: -5 is data, not a formula, and must stay a number.
      text = String(value);
      break;
    case 'undefined':
      text = '';
      break;
    case 'object':
      if (value === null) {
        text = '';
        break;
      }
      if (value instanceof Date && !Number.isNaN(value.getTime())) {
        text = value.toISOString();
        break;
      }
      throw notRepresentable(record, column, Array.isArray(value) ? 'an array' : 'an object');
    default:
      throw notRepresentable(record, column, `a ${typeof value}`);
  }
  if (s.quoteAll || needsQuotes(text, s.special)) {
    if (s.quote < 0) {
      throw notRepresentable(record, column, 'a value that needs quoting (quoting is off)');
    }
    return s.quoteText + text.replace(s.quoteEverywhere, s.escapedQuote) + s.quoteText;
  }
  return text;
}

function needsQuotes(
  text: string,
  special: readonly [number, number, number, number, number],
): boolean {
  if (text === '') return false;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  // Leading or trailing spaces are quoted too: many readers trim unquoted cells.
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return true;
  const a = special[0];
  const b = special[1];
  const c = special[2];
  const d = special[3];
  const e = special[4];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === a || code === b || code === c || code === d || code === e) return true;
  }
  return false;
}

function notRepresentable(record: number, column: string, what: string): TransformError {
  const where = record === 0 ? 'header' : `record ${record}`;
  return new TransformError(
    'not_representable',
    `${where}: column ${quotedName(column)} holds ${what}, which a CSV cell cannot`,
  );
}
