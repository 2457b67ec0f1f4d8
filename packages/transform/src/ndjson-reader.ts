import { TransformError } from './errors.js';
import { describeJsonError } from './internal/json-syntax.js';

/** One line of NDJSON: the parsed record, or why the line could not be read. */
export type RecordResult =
  | { readonly ok: true; readonly line: number; readonly record: unknown }
  | { readonly ok: false; readonly line: number; readonly reason: string };

export interface NdjsonReadOptions {
  /** The longest line accepted, in bytes of UTF-8 without the line ending. Default 1 MiB. */
  readonly maxLineBytes?: number;
  /** The deepest nesting of arrays and objects accepted in a line. Default 256. */
  readonly maxDepth?: number;
}

export const DEFAULT_NDJSON_MAX_DEPTH = 256;

/**
 * The deepest nesting of `[` and `{` outside strings. JSON.parse itself accepts any depth, but a
 * value nested ten thousand levels breaks every recursive consumer after it (JSON.stringify in a
 * writer throws RangeError and would end the whole run), so such a line fails on its own here.
 */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return deepest;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const BLANK = /^[ \t]*$/;

function resolveMaxLineBytes(options: NdjsonReadOptions | undefined): number {
  const value = options?.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TransformError('invalid_option', 'maxLineBytes must be a positive integer');
  }
  return value;
}

/**
 * Reads newline-delimited JSON from a stream of text or UTF-8 bytes, one result per non-blank
 * line (numbered from 1, blank lines counted but skipped). Memory stays bounded by the longest
 * accepted line whatever the number of records: an over-long line is skipped as it streams and
 * reported as failed. A bad line never ends the stream; errors of the source itself propagate.
 * Options are checked here, before reading starts.
 */
export function readNdjson(
  source: AsyncIterable<Uint8Array | string>,
  options?: NdjsonReadOptions,
): AsyncIterable<RecordResult> {
  const maxLineBytes = resolveMaxLineBytes(options);
  const maxDepth = options?.maxDepth ?? DEFAULT_NDJSON_MAX_DEPTH;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 1) {
    throw new TransformError('invalid_option', 'maxDepth must be a positive integer');
  }
  if (
    typeof (source as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] !== 'function'
  ) {
    throw new TransformError(
      'invalid_source',
      'readNdjson needs an async iterable of strings or Uint8Array chunks',
    );
  }
  return readLines(source, maxLineBytes, maxDepth);
}

async function* readLines(
  source: AsyncIterable<Uint8Array | string>,
  maxLineBytes: number,
  maxDepth: number,
): AsyncGenerator<RecordResult> {
  const encoder = new TextEncoder();
  // fatal: invalid UTF-8 fails the line instead of becoming U+FFFD; ignoreBOM: keep the BOM so
  // that only the stream's first line has one stripped, not every line decoded on its own.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Uint8Array[] = [];
  let size = 0;
  let oversized = false;
  let line = 0;
  // A string chunk may end between the two halves of a surrogate pair; keep the first half back.
  let heldSurrogate = '';

  // Up to maxLineBytes + 1 bytes are kept so that a line of exactly maxLineBytes followed by CR fits.
  const append = (bytes: Uint8Array, copy: boolean): void => {
    if (oversized || bytes.length === 0) return;
    if (size + bytes.length > maxLineBytes + 1) {
      oversized = true;
      parts = [];
      return;
    }
    parts.push(copy ? new Uint8Array(bytes) : bytes); // not .slice(): on a Buffer it is a view
    size += bytes.length;
  };

  const finishLine = (): RecordResult | undefined => {
    line += 1;
    const tooLong = oversized;
    let bytes = parts.length === 1 ? parts[0]! : concat(parts, size);
    parts = [];
    size = 0;
    oversized = false;
    if (tooLong) return { ok: false, line, reason: `line ${line}: exceeds ${maxLineBytes} bytes` };
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR)
      bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > maxLineBytes)
      return { ok: false, line, reason: `line ${line}: exceeds ${maxLineBytes} bytes` };
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return { ok: false, line, reason: `line ${line}: invalid UTF-8` };
    }
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (BLANK.test(text)) return undefined;
    if (nestingDepth(text, maxDepth) > maxDepth) {
      return { ok: false, line, reason: `line ${line}: nested deeper than ${maxDepth} levels` };
    }
    try {
      return { ok: true, line, record: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, line, reason: `line ${line}: invalid JSON: ${describeJsonError(text)}` };
    }
  };

  for await (const chunk of source) {
    let bytes: Uint8Array;
    if (typeof chunk === 'string') {
      let text = heldSurrogate + chunk;
      heldSurrogate = '';
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        heldSurrogate = text.slice(-1);
        text = text.slice(0, -1);
      }
      bytes = encoder.encode(text);
    } else if (isBytes(chunk)) {
      if (heldSurrogate !== '') append(encoder.encode(heldSurrogate), false);
      heldSurrogate = '';
      bytes = chunk;
    } else {
      throw new TransformError(
        'invalid_source',
        'readNdjson received a chunk that is neither a string nor a Uint8Array',
      );
    }
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(LF, start);
      if (end === -1) {
        // The unfinished line outlives this chunk; copy it in case the producer reuses its buffer.
        append(bytes.subarray(start), true);
        break;
      }
      append(bytes.subarray(start, end), false);
      const result = finishLine();
      if (result) yield result;
      start = end + 1;
    }
  }
  if (heldSurrogate !== '') append(encoder.encode(heldSurrogate), false);
  if (size > 0 || oversized) {
    const result = finishLine();
    if (result) yield result;
  }
}

// By tag rather than instanceof: chunks may come from another realm (worker, vm context).
function isBytes(value: unknown): value is Uint8Array {
  return (
    ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]'
  );
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
