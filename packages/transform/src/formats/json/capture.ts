import { TransformError } from '../../errors.js';
import { describeJsonError } from '../../internal/json-syntax.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;

export interface CapturedValue {
  readonly value: unknown;
  readonly line: number;
  readonly column: number;
  readonly oversized: boolean;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The tokenizer under readJsonArray: walks the text once, character by character, keeping
 * the line and column, and captures whole values (an element, a key, a member skipped on the
 * way to the array) across chunk boundaries without ever rescanning. Nesting is counted, never
 * recursed into, so depth is limited before JSON.parse sees anything.
 */
export class ValueCapture {
  /** Open containers outside captured values (the path's objects and the array). */
  depth = 0;
  line = 1;
  capturing = false;
  private text = '';
  private pos = 0;
  /** Characters consumed before `text`. */
  private base = 0;
  private lineStart = 0;
  // The value being captured.
  private keep = false;
  private parts: string[] = [];
  private size = 0;
  private oversized = false;
  private nesting = 0;
  private inString = false;
  private escaped = false;
  private startLine = 0;
  private startColumn = 0;

  constructor(
    private readonly maxDepth: number,
    private readonly maxElement: number,
  ) {}

  get column(): number {
    return this.base + this.pos - this.lineStart + 1;
  }

  feed(chunk: string): void {
    this.base += this.text.length;
    this.text = chunk;
    this.pos = 0;
  }

  /** Skips whitespace; the next character's code, or -1 when the chunk is used up. */
  nextSignificant(): number {
    const text = this.text;
    let i = this.pos;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (!isWhitespace(c)) break;
      if (c === LF) this.newline(i);
      i++;
    }
    this.pos = i;
    return i < text.length ? text.charCodeAt(i) : -1;
  }

  advance(): void {
    this.pos++;
  }

  enterOuter(): void {
    this.depth++;
    this.checkDepth(this.depth);
    this.pos++;
  }

  leaveOuter(): void {
    this.depth--;
    this.pos++;
  }

  /** Starts capturing the value whose first character is `c`, at the current position. */
  begin(c: number, keep: boolean, maxSize = this.maxElement): void {
    const valid =
      c === 0x7b ||
      c === 0x5b ||
      c === QUOTE ||
      c === 0x2d ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x74 ||
      c === 0x66 ||
      c === 0x6e;
    if (!valid) this.unexpected(c);
    this.capturing = true;
    this.keep = keep;
    this.limit = maxSize;
    this.parts = [];
    this.size = 0;
    this.oversized = false;
    this.nesting = 0;
    this.inString = false;
    this.escaped = false;
    this.startLine = this.line;
    this.startColumn = this.column;
  }

  private limit = 0;

  /** Goes on capturing; the value once it ends, undefined when the chunk ran out first. */
  scan(): CapturedValue | undefined {
    const text = this.text;
    const start = this.pos;
    let nesting = this.nesting;
    let inString = this.inString;
    let escaped = this.escaped;
    let end = -1;
    let i = start;
    // Next backslash and line break at or after i; -2: not looked for yet, -1: none left.
    let slashAt = -2;
    let breakAt = -2;
    for (; i < text.length; i++) {
      if (inString && !escaped) {
        // Inside a string only a quote, a backslash or a line break matters: jump to the first.
        let stop = text.indexOf('"', i);
        if (stop === -1) stop = text.length;
        if (slashAt !== -1 && slashAt < i) slashAt = text.indexOf('\\', i);
        if (slashAt !== -1 && slashAt < stop) stop = slashAt;
        if (breakAt !== -1 && breakAt < i) breakAt = text.indexOf('\n', i);
        if (breakAt !== -1 && breakAt < stop) stop = breakAt;
        i = stop;
        if (i >= text.length) break;
      }
      const c = text.charCodeAt(i);
      if (c === LF) this.newline(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (nesting === 0) {
            end = i + 1;
            break;
          }
        }
        continue;
      }
      if (c === QUOTE) {
        inString = true;
      } else if (c === 0x7b || c === 0x5b) {
        nesting++;
        if (this.depth + nesting > this.maxDepth) {
          this.pos = i;
          this.checkDepth(this.depth + nesting);
        }
      } else if (c === 0x7d || c === 0x5d) {
        if (nesting === 0) {
          end = i;
          break;
        }
        nesting--;
        if (nesting === 0) {
          end = i + 1;
          break;
        }
      } else if (nesting === 0 && (c === 0x2c || isWhitespace(c))) {
        end = i;
        break;
      }
    }
    this.keepText(text, start, end === -1 ? text.length : end);
    if (end === -1) {
      this.nesting = nesting;
      this.inString = inString;
      this.escaped = escaped;
      this.pos = text.length;
      return undefined;
    }
    this.pos = end;
    this.capturing = false;
    const captured = { line: this.startLine, column: this.startColumn, oversized: this.oversized };
    if (!this.keep || this.oversized) return { ...captured, value: undefined };
    const json = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    try {
      return { ...captured, value: JSON.parse(json) as unknown };
    } catch {
      throw this.syntaxError(json);
    }
  }

  /** At the end of input, a value still being captured can never end. */
  finish(): void {
    if (this.capturing) {
      // A number or literal at the very end is complete; anything else is cut short.
      throw new TransformError(
        'malformed_input',
        `line ${this.line}, column ${this.column}: unexpected end of input`,
      );
    }
  }

  private keepText(text: string, start: number, end: number): void {
    if (this.oversized || end <= start) return;
    this.size += end - start;
    if (this.size > this.limit) {
      this.oversized = true;
      this.parts = [];
    } else if (this.keep) {
      this.parts.push(text.slice(start, end));
    }
  }

  private newline(index: number): void {
    this.line++;
    this.lineStart = this.base + index + 1;
  }

  private checkDepth(depth: number): void {
    if (depth > this.maxDepth) {
      throw new TransformError(
        'limit_exceeded',
        `line ${this.line}, column ${this.column}: nesting deeper than ${this.maxDepth} levels`,
      );
    }
  }

  unexpected(c: number): never {
    const shown = c >= 0x21 && c <= 0x7e ? JSON.stringify(String.fromCharCode(c)) : 'character';
    throw new TransformError(
      'malformed_input',
      `line ${this.line}, column ${this.column}: unexpected ${shown}`,
    );
  }

  /** Where JSON.parse failed, as a line and column of the document (never quoting it). */
  private syntaxError(json: string): TransformError {
    const described = describeJsonError(json);
    const match = / at column (\d+)$/.exec(described);
    let line = this.startLine;
    let column = this.startColumn;
    if (match) {
      let points = Number(match[1]) - 1;
      let i = 0;
      for (; i < json.length && points > 0; i++, points--) {
        const c = json.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff) i++;
      }
      const before = json.slice(0, i);
      const breaks = before.split('\n').length - 1;
      line += breaks;
      column = breaks === 0 ? column + i : i - before.lastIndexOf('\n');
    }
    const problem = match ? described.slice(0, match.index) : 'invalid JSON';
    return new TransformError('malformed_input', `line ${line}, column ${column}: ${problem}`);
  }
}
