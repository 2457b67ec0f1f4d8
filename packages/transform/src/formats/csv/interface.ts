import { TransformError } from '../../errors.js';
import type { RecordInterface } from '../../interfaces/model.js';
import { inferCellType, type CellType } from '../text/cells.js';
import {
  resolveColumns,
  resolveDialect,
  resolveReadOptions,
  type CsvColumn,
  type CsvDialect,
} from './options.js';
import { CsvScanner, ROW } from './scanner.js';

/**
 * The format-neutral interface of a CSV file described by its columns: one flat, closed
 * record whose fields are the columns, typed as declared (string when not).
 */
export function csvInterface(options: CsvDialect): RecordInterface {
  resolveDialect(options);
  const columns = resolveColumns(options?.columns);
  if (columns === undefined) {
    throw new TransformError('invalid_option', 'csvInterface needs the columns');
  }
  return {
    format: 'csv',
    closed: true,
    fields: columns.map((c) => ({
      name: c.name,
      type: c.type,
      required: c.required,
      repeated: false,
    })),
  };
}

export interface CsvInferOptions {
  /** Data rows looked at for the column types. Default 100. */
  readonly maxRows?: number;
  /** Skip detection and use this delimiter. */
  readonly delimiter?: string;
  /** Skip detection: the first row is (or is not) a header. */
  readonly header?: boolean;
  readonly quote?: string;
  readonly escape?: 'double' | 'backslash';
}

/** What inference found: pass `delimiter`, `header` and `columns` to readCsv as they are. */
export interface CsvInference {
  readonly delimiter: string;
  readonly header: boolean;
  readonly columns: readonly CsvColumn[];
  readonly interface: RecordInterface;
}

const CANDIDATES = [',', ';', '\t', '|'];

function decodeSample(sample: string | Uint8Array): string {
  if (typeof sample === 'string') return sample.charCodeAt(0) === 0xfeff ? sample.slice(1) : sample;
  const [a, b] = sample;
  const encoding =
    a === 0xff && b === 0xfe ? 'utf-16le' : a === 0xfe && b === 0xff ? 'utf-16be' : 'utf-8';
  // stream: true drops a character cut in half at the end of the sample instead of failing.
  return new TextDecoder(encoding).decode(sample, { stream: true });
}

function scanRows(
  text: string,
  options: CsvInferOptions,
  delimiter: string,
  limit: number,
): string[][] {
  const scanner = new CsvScanner(
    resolveReadOptions({ delimiter, quote: options.quote, escape: options.escape, header: false }),
  );
  // The sample is usually the head of a file: its last line may be cut, so it is left out.
  const lastBreak = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  scanner.push(lastBreak > 0 && lastBreak < text.length - 1 ? text.slice(0, lastBreak + 1) : text);
  scanner.end();
  const rows: string[][] = [];
  try {
    while (rows.length < limit && scanner.next() === ROW) {
      if (scanner.problem === undefined) rows.push(scanner.fields.slice(0, scanner.fieldCount));
    }
  } catch (error) {
    // A quoted cell cut by the end of the sample: keep the rows before it.
    if (!TransformError.is(error) || error.code !== 'malformed_input') throw error;
  }
  return rows;
}

/** How well a delimiter explains the sample: rows sharing the commonest width, if that width is > 1. */
function consistency(rows: readonly string[][]): number {
  const widths = new Map<number, number>();
  for (const row of rows) widths.set(row.length, (widths.get(row.length) ?? 0) + 1);
  let best = 0;
  let bestWidth = 1;
  for (const [width, n] of widths) {
    if (n > best || (n === best && width > bestWidth)) [best, bestWidth] = [n, width];
  }
  return bestWidth > 1 ? best * 1000 + bestWidth : 0;
}

/**
 * Best-effort guess of a CSV file's dialect and columns from its first bytes: the delimiter
 * among , ; tab | (the one that cuts most rows into the same number of cells), whether the
 * first row is a header (its cells are distinct, non-empty and none reads as a number, date
 * or boolean), and each column's narrowest type over up to `maxRows` rows. Columns are never
 * marked required, since a sample cannot show that a cell is always filled.
 */
export function inferCsvInterface(
  sample: string | Uint8Array,
  options: CsvInferOptions = {},
): CsvInference {
  if (typeof sample !== 'string' && !(sample instanceof Uint8Array)) {
    throw new TransformError('invalid_source', 'inferCsvInterface needs a string or a Uint8Array');
  }
  const maxRows = options.maxRows ?? 100;
  if (!Number.isSafeInteger(maxRows) || maxRows < 1) {
    throw new TransformError('invalid_option', 'maxRows must be a positive integer');
  }
  const text = decodeSample(sample);
  let delimiter = options.delimiter;
  let rows: string[][] = [];
  if (delimiter === undefined) {
    let best = -1;
    for (const candidate of CANDIDATES) {
      const candidateRows = scanRows(text, options, candidate, maxRows + 1);
      const score = consistency(candidateRows);
      if (score > best) [best, delimiter, rows] = [score, candidate, candidateRows];
    }
  } else {
    rows = scanRows(text, options, delimiter, maxRows + 1);
  }
  const first = rows[0] ?? [];
  const header =
    options.header ??
    (first.length > 0 &&
      new Set(first).size === first.length &&
      first.every((cell) => cell.trim() !== '' && inferCellType([cell]) === 'string'));
  const data = header ? rows.slice(1) : rows.slice(0, maxRows);
  const width = first.length;
  const columns: CsvColumn[] = [];
  for (let i = 0; i < width; i++) {
    const cells = data.filter((row) => row.length === width).map((row) => row[i]!);
    const type: CellType = inferCellType(cells);
    columns.push({
      name: header && first[i] !== '' ? first[i]! : `column${i + 1}`,
      type,
      required: false,
    });
  }
  const result = { delimiter: delimiter!, header, columns };
  return { ...result, interface: csvInterface(result) };
}
