import { TransformError } from '../../errors.js';

/** The types a CSV column or fixed-width field can be read as. Dates stay ISO 8601 strings. */
export type CellType = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'datetime';

export const CELL_TYPES: readonly CellType[] = [
  'string',
  'number',
  'integer',
  'boolean',
  'date',
  'datetime',
];

// One way to split any digit run (no `\d+\.?\d*`, which backtracks quadratically on a long
// run of digits followed by a bad character).
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const LEADING_ZERO = /^[+-]?0\d/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** A parsed cell, or the reason it does not parse (never quoting the cell itself). */
export type CellResult = { ok: true; value: unknown } | { ok: false; problem: string };

export function isCellType(value: unknown): value is CellType {
  return CELL_TYPES.includes(value as CellType);
}

export function requireCellType(value: unknown, where: string): CellType {
  if (value === undefined) return 'string';
  if (!isCellType(value)) {
    throw new TransformError(
      'invalid_option',
      `${where}: type must be one of ${CELL_TYPES.join(', ')}`,
    );
  }
  return value;
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

const NOT: Record<Exclude<CellType, 'string'>, CellResult> = {
  number: { ok: false, problem: 'is not a number' },
  integer: { ok: false, problem: 'is not an integer' },
  boolean: { ok: false, problem: 'is not a boolean (true or false)' },
  date: { ok: false, problem: 'is not a date (YYYY-MM-DD)' },
  datetime: { ok: false, problem: 'is not a date-time (ISO 8601)' },
};

/**
 * Converts a non-empty cell text. Numbers are plain decimals (no thousands separators, no
 * hex, no NaN or Infinity); integers must be safe integers; booleans are true/false in any
 * case; a date is a real calendar date; a date-time is ISO 8601 with optional seconds,
 * fraction and offset (a space may stand for the T).
 */
export function parseCell(text: string, type: CellType): CellResult {
  switch (type) {
    case 'string':
      return { ok: true, value: text };
    case 'number':
      return NUMBER.test(text) ? { ok: true, value: Number(text) } : NOT.number;
    case 'integer': {
      if (!INTEGER.test(text)) return NOT.integer;
      const value = Number(text);
      return Number.isSafeInteger(value)
        ? { ok: true, value }
        : { ok: false, problem: 'is an integer outside the safe range' };
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true') return { ok: true, value: true };
      if (lower === 'false') return { ok: true, value: false };
      return NOT.boolean;
    }
    case 'date': {
      const m = DATE.exec(text);
      return m && validDate(Number(m[1]), Number(m[2]), Number(m[3]))
        ? { ok: true, value: text }
        : NOT.date;
    }
    case 'datetime': {
      const m = DATETIME.exec(text);
      if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return NOT.datetime;
      const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
      return hour < 24 && minute < 60 && second < 61 ? { ok: true, value: text } : NOT.datetime;
    }
  }
}

/** Guesses the narrowest type that every one of the sample texts parses as. */
export function inferCellType(texts: readonly string[]): CellType {
  const candidates: CellType[] = ['integer', 'number', 'boolean', 'date', 'datetime'];
  const nonEmpty = texts.filter((t) => t !== '');
  if (nonEmpty.length === 0) return 'string';
  // "007" or a zip code like "01234" would lose its leading zero as a number.
  if (nonEmpty.some((t) => LEADING_ZERO.test(t))) return 'string';
  for (const type of candidates) {
    if (nonEmpty.every((t) => parseCell(t, type).ok)) return type;
  }
  return 'string';
}

/** UTF-8 length of a string, counted only when the cheap bounds cannot decide. */
export function exceedsBytes(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return Buffer.byteLength(text, 'utf8') > max;
}
