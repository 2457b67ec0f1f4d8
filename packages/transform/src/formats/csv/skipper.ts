import { TransformError } from '../../errors.js';

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** In a quoted field, just after a quote: the end of the field, or the first half of "". */
const QUOTE_SEEN = 3;
/** In a quoted field, just after a backslash. */
const ESCAPED = 4;

const SPACE = 0x20;
const TAB = 0x09;
const BACKSLASH = 0x5c;

export interface SkipperDialect {
  readonly delimiter: number;
  readonly quote: number;
  readonly backslash: boolean;
  readonly trim: boolean;
}

/**
 * Steps over a record too large to keep, chunk by chunk, holding nothing but its state: the
 * record's cells are dropped as they stream past, so a 10 MB cell costs no more memory than a
 * short one. It follows the same quoting rules as the scanner to find where the record ends.
 */
export class RecordSkipper {
  private state = FIELD_START;
  /** Line breaks inside the record so far. */
  lines = 0;
  private column = 0;
  private openLine = 0;
  private openColumn = 0;

  constructor(
    private readonly dialect: SkipperDialect,
    private readonly newline: number,
    /** The record's first line, for the unclosed-quote message. */
    private readonly firstLine: number,
  ) {}

  /** Returns the index of the line break that ends the record, or -1 when `text` ran out first. */
  scan(text: string, from: number): number {
    const { delimiter, quote, backslash, trim } = this.dialect;
    const newline = this.newline;
    let state = this.state;
    let column = this.column;
    const quoteText = quote < 0 ? '' : String.fromCharCode(quote);
    const newlineText = String.fromCharCode(newline);
    let breakAt = from - 1; // the next line break at or after i, found lazily
    for (let i = from; i < text.length; i++) {
      if (state === QUOTED && quoteText !== '') {
        // Jump to the next quote (or backslash): a huge quoted cell is crossed by indexOf, not by hand.
        let stop = text.indexOf(quoteText, i);
        if (backslash) {
          const escape = text.indexOf('\\', i);
          if (escape !== -1 && (stop === -1 || escape < stop)) stop = escape;
        }
        if (stop === -1) stop = text.length;
        let lastBreak = -1;
        if (breakAt !== -1 && breakAt < i) breakAt = text.indexOf(newlineText, i);
        while (breakAt !== -1 && breakAt < stop) {
          this.lines++;
          lastBreak = breakAt;
          breakAt = text.indexOf(newlineText, breakAt + 1);
        }
        column = lastBreak === -1 ? column + (stop - i) : stop - lastBreak - 1;
        i = stop;
        if (i >= text.length) break;
      }
      const c = text.charCodeAt(i);
      column++;
      if (state === QUOTE_SEEN) {
        if (c === quote) {
          state = QUOTED;
          continue;
        }
        state = UNQUOTED; // and look at c again below
      }
      if (state === ESCAPED) {
        state = QUOTED;
      } else if (state === QUOTED) {
        if (c === quote) state = backslash ? UNQUOTED : QUOTE_SEEN;
        else if (c === BACKSLASH && backslash) state = ESCAPED;
      } else if (c === newline) {
        this.state = FIELD_START;
        this.column = 0;
        return i;
      } else if (c === delimiter) {
        state = FIELD_START;
      } else if (state === FIELD_START) {
        if (c === quote) {
          state = QUOTED;
          this.openLine = this.firstLine + this.lines;
          this.openColumn = column;
        } else if (!(trim && (c === SPACE || c === TAB))) {
          state = UNQUOTED;
        }
      }
      if (c === newline) {
        this.lines++;
        column = 0;
      }
    }
    this.state = state;
    this.column = column;
    return -1;
  }

  /** At the end of input: an open quote can never close. */
  finish(): void {
    if (this.state === QUOTED || this.state === ESCAPED) {
      throw unclosedQuote(this.openLine, this.openColumn);
    }
  }
}

export function unclosedQuote(line: number, column: number): TransformError {
  return new TransformError(
    'malformed_input',
    `line ${line}, column ${column}: quoted field not closed before the end of input`,
  );
}
