import { TransformError } from '../../errors.js';
import { requireCellType, type CellType } from '../text/cells.js';
import type { TextEncodingName } from '../text/decoding.js';

/** One column: its key in the record, how its cells are read, and whether it may be empty. */
export interface CsvColumn {
  readonly name: string;
  /** Default 'string'. */
  readonly type?: CellType;
  /** An empty cell fails the record. Default false. */
  readonly required?: boolean;
}

export type CsvLineEnding = 'lf' | 'crlf' | 'cr';

/** What the reader and writer share: the dialect of the file. */
export interface CsvDialect {
  /** Any single character but a quote or a line break. Default ','. */
  readonly delimiter?: string;
  /** A single character; '' turns quoting off. Default '"'. */
  readonly quote?: string;
  /** How a quote is written inside a quoted field: 'double' ("" — RFC 4180, default) or 'backslash' (\"). */
  readonly escape?: 'double' | 'backslash';
  /** The first row holds the column names. Default true. */
  readonly header?: boolean;
  /**
   * The columns, in file order. Reading with `header: true` and columns: the header row is
   * read and must have as many cells, but the names given here are used.
   */
  readonly columns?: readonly (string | CsvColumn)[];
}

export interface CsvReadOptions extends CsvDialect {
  /** Default 'auto' (BOM, else UTF-8). */
  readonly encoding?: TextEncodingName | 'auto';
  /** Default 'auto': LF and CRLF are both read; CR alone when the first line break is a lone CR. */
  readonly lineEnding?: CsvLineEnding | 'auto';
  /** Strip spaces and tabs around each cell (around the quotes of a quoted one). Default false. */
  readonly trim?: boolean;
  /** Cell texts read as null (compared after trimming), e.g. ['NULL', 'n/a']. Default none. */
  readonly nullValues?: readonly string[];
  /** What an empty cell of a string column becomes. Typed columns always read it as null. Default 'empty-string'. */
  readonly emptyAs?: 'empty-string' | 'null';
  /** Physical lines dropped before anything else (titles above the header). Default 0. */
  readonly skipLines?: number;
  /** A line starting with this single character is skipped. Default none. */
  readonly comment?: string;
  /** Skip lines with nothing on them. Default true. */
  readonly skipEmptyLines?: boolean;
  /** Longest cell, in UTF-8 bytes; a longer one fails its record. Default 1 MiB. */
  readonly maxFieldBytes?: number;
  /** Longest record, in UTF-8 bytes; a longer one fails. Default 4 MiB. */
  readonly maxRecordBytes?: number;
  /** Most cells in a row: a wider header throws `limit_exceeded`, a wider row fails. Default 10,000. */
  readonly maxColumns?: number;
}

export interface CsvWriteOptions extends CsvDialect {
  /** Default 'crlf' (RFC 4180). */
  readonly lineEnding?: CsvLineEnding;
  /**
   * Prefix a text cell starting with = + - @ tab or CR with a single quote so that a spreadsheet
   * shows it instead of running it as a formula. Default false: see the README for why.
   */
  readonly protectFormulas?: boolean;
  /** Quote every cell, not only those that need it. Default false. */
  readonly quoteAll?: boolean;
}

export interface ResolvedColumn {
  readonly name: string;
  readonly type: CellType;
  readonly required: boolean;
}

export interface ResolvedDialect {
  readonly delimiter: number;
  readonly delimiterText: string;
  /** -1 when quoting is off. */
  readonly quote: number;
  readonly quoteText: string;
  readonly backslash: boolean;
  readonly header: boolean;
  readonly columns: readonly ResolvedColumn[] | undefined;
}

export interface ResolvedReadOptions extends ResolvedDialect {
  readonly encoding: TextEncodingName | 'auto';
  readonly lineEnding: CsvLineEnding | 'auto';
  readonly trim: boolean;
  readonly nullValues: ReadonlySet<string>;
  readonly emptyAsNull: boolean;
  readonly skipLines: number;
  /** -1 when there are no comment lines. */
  readonly comment: number;
  readonly skipEmptyLines: boolean;
  readonly maxFieldBytes: number;
  readonly maxRecordBytes: number;
  readonly maxColumns: number;
}

export const DEFAULT_MAX_FIELD_BYTES = 1024 * 1024;
export const DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_COLUMNS = 10_000;

function fail(message: string): never {
  throw new TransformError('invalid_option', message);
}

function singleChar(value: unknown, name: string, fallback: string, allowEmpty: boolean): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length > 1 || (value === '' && !allowEmpty)) {
    fail(`${name} must be a single character${allowEmpty ? " or ''" : ''}`);
  }
  if (value === '\n' || value === '\r') fail(`${name} cannot be a line break`);
  return value;
}

function flag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(`${name} must be a boolean`);
  return value;
}

function count(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(`${name} must be an integer of at least ${min}`);
  }
  return value;
}

export function resolveColumns(value: unknown): ResolvedColumn[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) fail('columns must be a non-empty array');
  const seen = new Set<string>();
  return value.map((entry: unknown, index) => {
    const column = typeof entry === 'string' ? { name: entry } : (entry as Partial<CsvColumn>);
    if (typeof column !== 'object' || column === null || typeof column.name !== 'string') {
      fail(`columns[${index}] must be a name or { name, type?, required? }`);
    }
    if (seen.has(column.name)) fail(`columns[${index}]: duplicate column name`);
    seen.add(column.name);
    return {
      name: column.name,
      type: requireCellType(column.type, `columns[${index}]`),
      required: flag(column.required, `columns[${index}].required`, false),
    };
  });
}

export function resolveDialect(options: CsvDialect | undefined): ResolvedDialect {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    fail('options must be an object');
  }
  const delimiterText = singleChar(options?.delimiter, 'delimiter', ',', false);
  const quoteText = singleChar(options?.quote, 'quote', '"', true);
  if (quoteText === delimiterText) fail('quote and delimiter must differ');
  const escape = options?.escape ?? 'double';
  if (escape !== 'double' && escape !== 'backslash') fail("escape must be 'double' or 'backslash'");
  if (escape === 'backslash' && delimiterText === '\\')
    fail('delimiter cannot be the escape character');
  return {
    delimiter: delimiterText.charCodeAt(0),
    delimiterText,
    quote: quoteText === '' ? -1 : quoteText.charCodeAt(0),
    quoteText,
    backslash: escape === 'backslash',
    header: flag(options?.header, 'header', true),
    columns: resolveColumns(options?.columns),
  };
}

export function resolveReadOptions(options: CsvReadOptions | undefined): ResolvedReadOptions {
  const dialect = resolveDialect(options);
  const lineEnding = options?.lineEnding ?? 'auto';
  if (!['auto', 'lf', 'crlf', 'cr'].includes(lineEnding)) {
    fail("lineEnding must be 'auto', 'lf', 'crlf' or 'cr'");
  }
  const emptyAs = options?.emptyAs ?? 'empty-string';
  if (emptyAs !== 'empty-string' && emptyAs !== 'null')
    fail("emptyAs must be 'empty-string' or 'null'");
  const nullValues = options?.nullValues ?? [];
  if (!Array.isArray(nullValues) || nullValues.some((v) => typeof v !== 'string')) {
    fail('nullValues must be an array of strings');
  }
  const comment = singleChar(options?.comment, 'comment', '', true);
  if (comment !== '' && (comment === dialect.delimiterText || comment === dialect.quoteText)) {
    fail('comment must differ from the delimiter and the quote');
  }
  const encoding = options?.encoding ?? 'auto';
  return {
    ...dialect,
    encoding,
    lineEnding,
    trim: flag(options?.trim, 'trim', false),
    nullValues: new Set(nullValues),
    emptyAsNull: emptyAs === 'null',
    skipLines: count(options?.skipLines, 'skipLines', 0, 0),
    comment: comment === '' ? -1 : comment.charCodeAt(0),
    skipEmptyLines: flag(options?.skipEmptyLines, 'skipEmptyLines', true),
    maxFieldBytes: count(options?.maxFieldBytes, 'maxFieldBytes', DEFAULT_MAX_FIELD_BYTES, 1),
    maxRecordBytes: count(options?.maxRecordBytes, 'maxRecordBytes', DEFAULT_MAX_RECORD_BYTES, 1),
    maxColumns: count(options?.maxColumns, 'maxColumns', DEFAULT_MAX_COLUMNS, 1),
  };
}
