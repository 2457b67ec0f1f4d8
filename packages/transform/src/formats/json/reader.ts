import { TransformError } from '../../errors.js';
import type { RecordResult } from '../../ndjson-reader.js';
import { decodeText, type TextEncodingName } from '../text/decoding.js';
import { ValueCapture } from './capture.js';
import { parsePath } from './path.js';

export interface JsonArrayReadOptions {
  /** Default 'auto' (BOM, else UTF-8). */
  readonly encoding?: TextEncodingName | 'auto';
  /**
   * Where the array is: '' or '$' (default) for a top-level array, or object keys joined with
   * dots, like '$.items' or 'data.rows'. Array indexes and quoted keys are not supported.
   */
  readonly path?: string;
  /** Deepest nesting of arrays and objects, counted from the document's root. Default 256. */
  readonly maxDepth?: number;
  /** Longest element, in characters of JSON text; a longer one fails its record. Default 1 MiB. */
  readonly maxElementBytes?: number;
}

export const DEFAULT_JSON_MAX_DEPTH = 256;
export const DEFAULT_JSON_MAX_ELEMENT_BYTES = 1024 * 1024;

// What the reader expects next, outside the values it captures.
const ROOT = 0;
const KEY_OR_CLOSE = 1;
const KEY = 2;
const COLON = 3;
const MEMBER_VALUE = 4;
const MEMBER_COMMA_OR_CLOSE = 5;
const ELEMENT_OR_CLOSE = 6;
const ELEMENT = 7;
const ELEMENT_COMMA_OR_CLOSE = 8;
const END = 9;

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const COLON_CHAR = 0x3a;
const COMMA = 0x2c;

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TransformError('invalid_option', `${name} must be a positive integer`);
  }
  return value;
}

/**
 * Streams the elements of a JSON array, one result per element, in memory bounded by the
 * element size limit whatever the document's size: a tokenizer finds each element's
 * boundaries (strings, escapes, nesting) and JSON.parse reads the element alone. `line` is
 * where the element starts. An element over maxElementBytes yields a failed result and the
 * reader goes on; nesting past maxDepth throws `limit_exceeded` and invalid JSON throws
 * `malformed_input`, both naming line and column (never a stack overflow). Options are
 * checked here, before reading.
 */
export function readJsonArray(
  source: AsyncIterable<Uint8Array | string>,
  options?: JsonArrayReadOptions,
): AsyncIterable<RecordResult> {
  const path = parsePath(options?.path);
  const maxDepth = positive(options?.maxDepth, 'maxDepth', DEFAULT_JSON_MAX_DEPTH);
  const maxElement = positive(
    options?.maxElementBytes,
    'maxElementBytes',
    DEFAULT_JSON_MAX_ELEMENT_BYTES,
  );
  const text = decodeText(source, { encoding: options?.encoding ?? 'auto' });
  return readElements(text, path, maxDepth, maxElement);
}

async function* readElements(
  text: AsyncIterable<string>,
  path: readonly string[],
  maxDepth: number,
  maxElement: number,
): AsyncGenerator<RecordResult> {
  const capture = new ValueCapture(maxDepth, maxElement);
  let state = ROOT;
  /** What the value being captured is. */
  let captured: 'element' | 'key' | 'member' = 'member';
  /** The member just read is the next step on the path. */
  let onPath = false;
  let foundArray = false;
  let element = 0;
  const fail = (problem: string): never => {
    throw new TransformError(
      'malformed_input',
      `line ${capture.line}, column ${capture.column}: ${problem}`,
    );
  };
  const open = (c: number, bracket: number): void => {
    if (c !== bracket) {
      const where = path.length === 0 ? 'the root' : path.slice(0, capture.depth + 1).join('.');
      fail(`the value at ${where} is not ${bracket === OPEN_ARRAY ? 'an array' : 'an object'}`);
    }
    capture.enterOuter();
  };
  // Leaving an object or the array: the parent is always one of the path's objects.
  const close = (): number => {
    capture.leaveOuter();
    return capture.depth === 0 ? END : MEMBER_COMMA_OR_CLOSE;
  };
  for await (const chunk of text) {
    capture.feed(chunk);
    for (;;) {
      if (capture.capturing) {
        const done = capture.scan();
        if (done === undefined) break;
        if (captured === 'element') {
          element++;
          yield done.oversized
            ? {
                ok: false,
                line: done.line,
                reason: `line ${done.line}, column ${done.column}: element ${element} exceeds ${maxElement} bytes`,
              }
            : { ok: true, line: done.line, record: done.value };
        } else if (captured === 'key') {
          onPath = !foundArray && !done.oversized && done.value === path[capture.depth - 1];
        }
        continue;
      }
      const c = capture.nextSignificant();
      if (c < 0) break;
      switch (state) {
        case ROOT:
          open(c, path.length === 0 ? OPEN_ARRAY : OPEN_OBJECT);
          foundArray = path.length === 0;
          state = path.length === 0 ? ELEMENT_OR_CLOSE : KEY_OR_CLOSE;
          break;
        case KEY_OR_CLOSE:
        case KEY:
          if (c === CLOSE_OBJECT && state === KEY_OR_CLOSE) {
            state = close();
            break;
          }
          if (c !== QUOTE) capture.unexpected(c);
          capture.begin(c, true);
          captured = 'key';
          state = COLON;
          break;
        case COLON:
          if (c !== COLON_CHAR) capture.unexpected(c);
          capture.advance();
          state = MEMBER_VALUE;
          break;
        case MEMBER_VALUE:
          if (onPath) {
            onPath = false;
            const last = capture.depth === path.length;
            open(c, last ? OPEN_ARRAY : OPEN_OBJECT);
            foundArray = last;
            state = last ? ELEMENT_OR_CLOSE : KEY_OR_CLOSE;
          } else {
            capture.begin(c, false);
            captured = 'member';
            state = MEMBER_COMMA_OR_CLOSE;
          }
          break;
        case MEMBER_COMMA_OR_CLOSE:
          if (c === COMMA) {
            capture.advance();
            state = KEY;
          } else if (c === CLOSE_OBJECT) {
            state = close();
          } else capture.unexpected(c);
          break;
        case ELEMENT_OR_CLOSE:
        case ELEMENT:
          if (c === CLOSE_ARRAY && state === ELEMENT_OR_CLOSE) {
            state = close();
            break;
          }
          capture.begin(c, true);
          captured = 'element';
          state = ELEMENT_COMMA_OR_CLOSE;
          break;
        case ELEMENT_COMMA_OR_CLOSE:
          if (c === COMMA) {
            capture.advance();
            state = ELEMENT;
          } else if (c === CLOSE_ARRAY) {
            state = close();
          } else capture.unexpected(c);
          break;
        default:
          fail('unexpected data after the JSON document');
      }
    }
  }
  capture.finish();
  if (state === ROOT) fail('the input is empty');
  if (state !== END) fail('unexpected end of input');
  if (!foundArray) fail(`the document has no array at ${path.join('.')}`);
}
