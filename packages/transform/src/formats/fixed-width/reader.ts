import { TransformError } from '../../errors.js';
import type { RecordResult } from '../../ndjson-reader.js';
import { parseCell } from '../text/cells.js';
import { decodeText, type TextEncodingName } from '../text/decoding.js';
import { splitLines, type LineBreak } from '../text/lines.js';
import {
  resolveLayout,
  type FixedWidthLayout,
  type ResolvedField,
  type ResolvedLayout,
} from './layout.js';

export interface FixedWidthReadOptions {
  /** Default 'auto' (BOM, else UTF-8). */
  readonly encoding?: TextEncodingName | 'auto';
  /** Default 'auto': LF or CRLF; CR alone when the first line break is a lone CR. */
  readonly lineEnding?: LineBreak;
  /** Strip the padding from each value (on the side its alignment puts it). Default true. */
  readonly trim?: boolean;
  /** Lines dropped before the records (headings). Default 0. */
  readonly skipLines?: number;
  /** Skip lines with nothing but padding. Default true. */
  readonly skipEmptyLines?: boolean;
  /** Longest line, in UTF-8 bytes; a longer one fails its record. Default 1 MiB. */
  readonly maxLineBytes?: number;
}

export const DEFAULT_FIXED_WIDTH_MAX_LINE_BYTES = 1024 * 1024;

interface ReadSettings {
  readonly trim: boolean;
  readonly skipLines: number;
  readonly skipEmptyLines: boolean;
  readonly maxLineBytes: number;
  readonly lineEnding: LineBreak;
}

function resolveReadOptions(options: FixedWidthReadOptions | undefined): ReadSettings {
  const bad = (message: string): never => {
    throw new TransformError('invalid_option', message);
  };
  const o = options ?? {};
  for (const name of ['trim', 'skipEmptyLines'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') bad(`${name} must be a boolean`);
  }
  for (const [name, min] of [
    ['skipLines', 0],
    ['maxLineBytes', 1],
  ] as const) {
    const value = o[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
      bad(`${name} must be an integer of at least ${min}`);
    }
  }
  const lineEnding = o.lineEnding ?? 'auto';
  if (!['auto', 'lf', 'crlf', 'cr'].includes(lineEnding))
    bad("lineEnding must be 'auto', 'lf', 'crlf' or 'cr'");
  return {
    trim: o.trim ?? true,
    skipLines: o.skipLines ?? 0,
    skipEmptyLines: o.skipEmptyLines ?? true,
    maxLineBytes: o.maxLineBytes ?? DEFAULT_FIXED_WIDTH_MAX_LINE_BYTES,
    lineEnding,
  };
}

/**
 * Reads fixed-width lines as records, one per line, keyed by field name in layout order (with
 * record types, the discriminator's value comes first under its own name). Positions count
 * characters (UTF-16 code units) of the decoded line. A line shorter than the layout reads
 * the missing fields as empty; a bad line — an unknown record type, text past the layout's
 * end, a value that does not parse, a missing required value, a line over maxLineBytes —
 * yields a failed result naming its line, and reading goes on. Options are checked here.
 */
export function readFixedWidth(
  source: AsyncIterable<Uint8Array | string>,
  layout: FixedWidthLayout,
  options?: FixedWidthReadOptions,
): AsyncIterable<RecordResult> {
  const resolved = resolveLayout(layout);
  const settings = resolveReadOptions(options);
  const text = decodeText(source, { encoding: options?.encoding ?? 'auto' });
  return readLines(text, resolved, settings);
}

async function* readLines(
  text: AsyncIterable<string>,
  layout: ResolvedLayout,
  s: ReadSettings,
): AsyncGenerator<RecordResult> {
  for await (const batch of splitLines(text, s.maxLineBytes, s.lineEnding)) {
    for (const item of batch) {
      const { line } = item;
      if (line <= s.skipLines) continue;
      if (item.tooLong) {
        yield { ok: false, line, reason: `line ${line}: exceeds ${s.maxLineBytes} bytes` };
        continue;
      }
      if (s.skipEmptyLines && isPadding(item.text, 0, item.text.length, layout.pad)) continue;
      yield readRecord(item.text, line, layout, s);
    }
  }
}

function setField(record: Record<string, unknown>, name: string, value: unknown): void {
  // A field called "__proto__" must be an own key, not a prototype change.
  if (name === '__proto__') {
    Object.defineProperty(record, name, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    record[name] = value;
  }
}

function isPadding(text: string, start: number, end: number, pad: string): boolean {
  const code = pad.charCodeAt(0);
  for (let i = start; i < end; i++) if (text.charCodeAt(i) !== code) return false;
  return true;
}

/** The text of [start, end) of a line, without the padding on the sides asked for. */
function cut(
  text: string,
  start: number,
  end: number,
  left: boolean,
  right: boolean,
  pad: number,
): string {
  let from = Math.min(start, text.length);
  let to = Math.min(end, text.length);
  if (left) while (from < to && text.charCodeAt(from) === pad) from++;
  if (right) while (to > from && text.charCodeAt(to - 1) === pad) to--;
  return text.slice(from, to);
}

function fieldFailure(line: number, field: ResolvedField, problem: string): RecordResult {
  const where = `line ${line}, column ${field.start + 1}: field ${JSON.stringify(field.name)}`;
  return { ok: false, line, reason: `${where} ${problem}` };
}

function readRecord(
  text: string,
  line: number,
  layout: ResolvedLayout,
  s: ReadSettings,
): RecordResult {
  const record: Record<string, unknown> = {};
  let fields: readonly ResolvedField[] | undefined;
  let width = layout.width;
  const d = layout.discriminator;
  if (d) {
    const code = text.slice(d.start, d.end).replaceAll(layout.pad, '');
    fields = layout.layouts.get(code);
    if (fields === undefined)
      return { ok: false, line, reason: `line ${line}: unknown record type` };
    setField(record, d.name, code);
    width = layout.typeWidths.get(code)!;
  } else {
    fields = layout.layouts.get('')!;
  }
  if (text.length > width && !isPadding(text, width, text.length, layout.pad)) {
    return { ok: false, line, reason: `line ${line}: text past column ${width}, the layout's end` };
  }
  const pad = layout.pad.charCodeAt(0);
  for (const field of fields) {
    // Typed values lose padding on both sides whatever `trim` says: it is never part of a number.
    const typed = field.type !== 'string';
    const value = cut(
      text,
      field.start,
      field.end,
      typed || (s.trim && field.right),
      typed || (s.trim && !field.right),
      pad,
    );
    if (value === '') {
      if (field.required) return fieldFailure(line, field, 'is required');
      setField(record, field.name, typed ? null : '');
      continue;
    }
    if (!typed) {
      setField(record, field.name, value);
      continue;
    }
    const parsed = parseCell(value, field.type);
    if (!parsed.ok) return fieldFailure(line, field, parsed.problem);
    setField(record, field.name, parsed.value);
  }
  return { ok: true, line, record };
}
