/**
 * Finds where and why a JSON text is invalid, for failed-record reasons. V8's own
 * `JSON.parse` messages quote the input, which may be confidential business data, so they
 * are never passed on; this scanner reports a position and a one-character token at most.
 * It is iterative (an explicit stack), so deeply nested input cannot overflow the call stack,
 * and it only runs on lines that `JSON.parse` already rejected.
 */

type State =
  'value' | 'value_or_close' | 'key_or_close' | 'key' | 'colon' | 'comma_or_close' | 'end';

interface Problem {
  readonly problem: string;
  readonly index: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function unexpected(text: string, index: number): Problem {
  const code = text.codePointAt(index) ?? 0;
  const shown =
    code >= 0x21 && code <= 0x7e
      ? JSON.stringify(String.fromCodePoint(code))
      : `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return { problem: `unexpected ${shown}`, index };
}

// Returns the index after the closing quote, or a problem.
function scanString(text: string, start: number): number | Problem {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return { problem: 'control character in string', index: i };
    if (c === 0x5c) {
      const escape = text[i + 1];
      if (escape !== undefined && SIMPLE_ESCAPES.has(escape)) i += 2;
      else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
      else return { problem: 'invalid escape in string', index: i };
    } else i += 1;
  }
  return { problem: 'unterminated string', index: start };
}

function scanNumber(text: string, start: number): number | Problem {
  NUMBER.lastIndex = start;
  const match = NUMBER.exec(text);
  const end = match && match[0] !== '-' ? start + match[0].length : start;
  if (end === start) return { problem: 'invalid number', index: start };
  // "01", "1.", "1e": the regex stopped early at a character that continues the number.
  const next = text[end];
  if (next !== undefined && /[0-9.eE+-]/.test(next))
    return { problem: 'invalid number', index: start };
  return end;
}

function scanLiteral(text: string, start: number): number | Problem {
  for (const literal of ['true', 'false', 'null'])
    if (text.startsWith(literal, start)) return start + literal.length;
  return unexpected(text, start);
}

function findProblem(text: string): Problem | undefined {
  const stack: string[] = [];
  let state: State = 'value';
  let i = 0;
  const afterValue = (): State => (stack.length > 0 ? 'comma_or_close' : 'end');
  for (;;) {
    while (i < text.length && WHITESPACE.has(text[i]!)) i += 1;
    if (i >= text.length)
      return state === 'end' ? undefined : { problem: 'unexpected end of input', index: i };
    const c = text[i]!;
    let scanned: number | Problem;
    switch (state) {
      case 'end':
        return { problem: 'unexpected data after the JSON value', index: i };
      case 'colon':
        if (c !== ':') return unexpected(text, i);
        i += 1;
        state = 'value';
        continue;
      case 'comma_or_close': {
        const open = stack[stack.length - 1];
        if (c === ',') {
          i += 1;
          state = open === '{' ? 'key' : 'value';
        } else if ((c === '}' && open === '{') || (c === ']' && open === '[')) {
          i += 1;
          stack.pop();
          state = afterValue();
        } else return unexpected(text, i);
        continue;
      }
      case 'key_or_close':
      case 'key':
        if (state === 'key_or_close' && c === '}') {
          i += 1;
          stack.pop();
          state = afterValue();
          continue;
        }
        if (c !== '"') return unexpected(text, i);
        scanned = scanString(text, i);
        if (typeof scanned !== 'number') return scanned;
        i = scanned;
        state = 'colon';
        continue;
      case 'value_or_close':
      case 'value':
        if (state === 'value_or_close' && c === ']') {
          i += 1;
          stack.pop();
          state = afterValue();
          continue;
        }
        if (c === '{' || c === '[') {
          stack.push(c);
          i += 1;
          state = c === '{' ? 'key_or_close' : 'value_or_close';
          continue;
        }
        if (c === '"') scanned = scanString(text, i);
        else if (c === '-' || (c >= '0' && c <= '9')) scanned = scanNumber(text, i);
        else scanned = scanLiteral(text, i);
        if (typeof scanned !== 'number') return scanned;
        i = scanned;
        state = afterValue();
        continue;
    }
  }
}

/** 1-based column in characters (code points), as an editor shows it. */
function columnOf(text: string, index: number): number {
  let column = 1;
  for (let i = 0; i < index; i += 1) {
    const c = text.charCodeAt(i);
    // The high half of a surrogate pair starts a character; the low half does not.
    if (
      c < 0xdc00 ||
      c > 0xdfff ||
      i === 0 ||
      text.charCodeAt(i - 1) < 0xd800 ||
      text.charCodeAt(i - 1) > 0xdbff
    )
      column += 1;
  }
  return column;
}

/** Why `text` is not valid JSON, without quoting it: e.g. `unexpected "}" at column 12`. */
export function describeJsonError(text: string): string {
  const found = findProblem(text);
  if (!found) return 'not parseable';
  return `${found.problem} at column ${columnOf(text, found.index)}`;
}
