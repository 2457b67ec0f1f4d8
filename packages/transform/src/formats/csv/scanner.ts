import { exceedsBytes } from '../text/cells.js';
import type { ResolvedReadOptions } from './options.js';
import { RecordSkipper, unclosedQuote } from './skipper.js';

/** next() found a row: `fields[0..fieldCount)`, `rowLine` and `problem` describe it. */
export const ROW = 0;
/** next() needs more text (push it, or call end()). */
export const NEED_MORE = 1;
export const DONE = 2;

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const BACKSLASH = 0x5c;
const NONE = Number.MAX_SAFE_INTEGER;

function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === SPACE || text.charCodeAt(start) === TAB))
    start++;
  while (end > start && (text.charCodeAt(end - 1) === SPACE || text.charCodeAt(end - 1) === TAB))
    end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * Splits decoded CSV text into rows of cell strings. Built for speed: a row without a quote
 * character (found with one cached indexOf) is cut with indexOf on the delimiter and slice,
 * never a character at a time; only rows with quotes go through the careful path. A row that
 * is not complete yet is retried once the buffered text has at least doubled, so small chunks
 * cost linear time. A row over the size limits is handed to a RecordSkipper and dropped as it
 * streams, so memory stays bounded by the limits.
 */
export class CsvScanner {
  readonly fields: string[] = [];
  fieldCount = 0;
  rowLine = 0;
  problem: string | undefined;

  private text = '';
  private pos = 0;
  private line = 1;
  private ended = false;
  private pending: string[] = [];
  private pendingSize = 0;
  private wantMore = 0;
  private quoteAt = -1;
  private delimiterAt = -1;
  private newlineAt = -1;
  private backslashAt = -1;
  private newline = -1;
  private skipLinesLeft: number;
  private skipper: RecordSkipper | undefined;
  private skipReason = '';
  private readonly quoteText: string;
  private readonly delimiterText: string;
  private readonly fieldCheck: number;
  private readonly recordCheck: number;
  private readonly sizeCheck: number;

  constructor(private readonly o: ResolvedReadOptions) {
    this.skipLinesLeft = o.skipLines;
    this.quoteText = o.quote < 0 ? '' : String.fromCharCode(o.quote);
    this.delimiterText = o.delimiterText;
    if (o.lineEnding === 'cr') this.newline = CR;
    else if (o.lineEnding !== 'auto') this.newline = LF;
    // Below a third of a limit a string cannot exceed it in UTF-8 bytes: no need to count.
    this.fieldCheck = Math.floor(o.maxFieldBytes / 3);
    this.recordCheck = Math.floor(o.maxRecordBytes / 3);
    this.sizeCheck = Math.min(this.fieldCheck, this.recordCheck);
  }

  /** Characters held: the unread text plus chunks waiting to be joined (what memory is spent on). */
  get buffered(): number {
    return this.text.length - this.pos + this.pendingSize;
  }

  push(chunk: string): void {
    if (chunk === '') return;
    this.pending.push(chunk);
    this.pendingSize += chunk.length;
  }

  end(): void {
    this.ended = true;
  }

  next(): number {
    // Retrying an incomplete row costs a rescan: wait until enough new text has come.
    if (this.pending.length > 0 && (this.pendingSize >= this.wantMore || this.ended)) this.merge();
    else if (this.wantMore > 0 && !this.ended) return NEED_MORE;
    for (;;) {
      if (this.skipper !== undefined) return this.skip();
      const text = this.text;
      const pos = this.pos;
      if (pos >= text.length) return this.ended ? DONE : this.needMore(pos);
      if (this.newline < 0 && !this.detectNewline()) return this.needMore(pos);
      const newline = this.newline;
      const c = text.charCodeAt(pos);
      if (this.skipLinesLeft > 0 || c === this.o.comment) {
        const end = text.indexOf(newline === LF ? '\n' : '\r', pos);
        if (end === -1 && !this.ended) return this.needMore(pos);
        this.pos = end === -1 ? text.length : end + 1;
        this.line++;
        if (this.skipLinesLeft > 0) this.skipLinesLeft--;
        continue;
      }
      if (this.o.skipEmptyLines && (c === newline || (c === CR && newline === LF))) {
        if (c === CR && pos + 1 >= text.length && !this.ended) return this.needMore(pos);
        if (c === newline || text.charCodeAt(pos + 1) === LF || pos + 1 >= text.length) {
          this.pos = pos + (c === newline || pos + 1 >= text.length ? 1 : 2);
          this.line++;
          continue;
        }
      }
      return this.record(text, pos, newline);
    }
  }

  private record(text: string, pos: number, newline: number): number {
    let end = text.indexOf(newline === LF ? '\n' : '\r', pos);
    if (end === -1) {
      if (!this.ended) {
        if (text.length - pos > this.sizeCheck) {
          return this.quotedRecord(text, pos, newline); // finds the field sizes exactly
        }
        return this.needMore(pos);
      }
      end = text.length;
    }
    if (this.o.quote >= 0) {
      if (this.quoteAt < pos) {
        const found = text.indexOf(this.quoteText, pos);
        this.quoteAt = found === -1 ? NONE : found;
      }
      if (this.quoteAt < end) return this.quotedRecord(text, pos, newline);
    }
    let lineEnd = end;
    if (newline === LF && lineEnd > pos && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    const fields = this.fields;
    const trim = this.o.trim;
    const maxColumns = this.o.maxColumns;
    let count = 0;
    let start = pos;
    for (;;) {
      if (this.delimiterAt < start) {
        const found = text.indexOf(this.delimiterText, start);
        this.delimiterAt = found === -1 ? NONE : found;
      }
      const at = this.delimiterAt;
      if (at >= lineEnd) {
        fields[count++] = trim
          ? trimSpaces(text.slice(start, lineEnd))
          : text.slice(start, lineEnd);
        break;
      }
      // a delimiter after the last allowed cell: the row is too wide, stop cutting it
      if (count === maxColumns - 1) {
        count = maxColumns + 1;
        break;
      }
      fields[count++] = trim ? trimSpaces(text.slice(start, at)) : text.slice(start, at);
      start = at + 1;
    }
    this.fieldCount = count;
    this.rowLine = this.line;
    this.line++;
    this.pos = end + 1;
    this.problem =
      count > maxColumns
        ? this.tooWide()
        : lineEnd - pos > this.sizeCheck
          ? this.sizeProblem(text, pos, lineEnd)
          : undefined;
    return ROW;
  }

  /** The careful path, for rows with quotes: may span lines, handles escapes and bad quoting. */
  private quotedRecord(text: string, pos: number, newline: number): number {
    const o = this.o;
    const { quote, delimiter, backslash, trim } = o;
    const length = text.length;
    const ended = this.ended;
    const fields = this.fields;
    const maxColumns = o.maxColumns;
    let line = this.line;
    let lineStart = pos;
    let count = 0;
    let problem: string | undefined;
    let i = pos;
    let recordEnd: number;
    for (;;) {
      const fieldStart = i;
      if (trim)
        while (i < length && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
      if (i < length && text.charCodeAt(i) === quote) {
        const openLine = line;
        const openColumn = i - lineStart + 1;
        let value = '';
        let j = i + 1;
        for (;;) {
          let stop = text.indexOf(this.quoteText, j);
          if (backslash) {
            const escape = this.nextBackslash(text, j);
            if (escape < length && (stop === -1 || escape < stop)) stop = escape;
          }
          if (stop === -1 || stop + 1 >= length) {
            if (!ended) return this.needMore(pos, fieldStart, count);
            if (stop === -1 || text.charCodeAt(stop) === BACKSLASH)
              throw unclosedQuote(openLine, openColumn);
          }
          // Line breaks inside the quotes still count as lines (cached: no rescan per quote).
          for (let n = this.nextNewline(text, j); n < stop; n = this.nextNewline(text, n + 1)) {
            line++;
            lineStart = n + 1;
          }
          const next = text.charCodeAt(stop + 1);
          if (text.charCodeAt(stop) === BACKSLASH && backslash) {
            value += text.slice(j, stop) + text.charAt(stop + 1);
            if (next === newline) {
              line++;
              lineStart = stop + 2;
            }
            j = stop + 2;
          } else if (!backslash && next === quote) {
            value += text.slice(j, stop + 1);
            j = stop + 2;
          } else {
            value += text.slice(j, stop);
            i = stop + 1;
            break;
          }
        }
        if (trim)
          while (i < length && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
        if (i >= length && !ended) return this.needMore(pos, fieldStart, count);
        const c = i < length ? text.charCodeAt(i) : newline;
        if (c === CR && newline === LF && i + 1 >= length && !ended)
          return this.needMore(pos, fieldStart, count);
        if (
          c !== delimiter &&
          c !== newline &&
          !(c === CR && newline === LF && (i + 1 >= length || text.charCodeAt(i + 1) === LF))
        ) {
          problem ??= `line ${line}, column ${i - lineStart + 1}: unexpected character after a closing quote`;
          while (i < length && text.charCodeAt(i) !== delimiter && text.charCodeAt(i) !== newline)
            i++;
          if (i >= length && !ended) return this.needMore(pos, fieldStart, count);
        } else if (c === CR && newline === LF) {
          i++;
        }
        // past maxColumns cells are counted, not kept: the row fails, memory stays bounded
        if (count < maxColumns) fields[count] = value;
        count++;
        if (i < length && text.charCodeAt(i) === delimiter) {
          i++;
          continue;
        }
        recordEnd = i;
        break;
      }
      // An unquoted cell ends at the next delimiter or line break, both found by cached indexOf.
      if (this.delimiterAt < i) {
        const found = text.indexOf(this.delimiterText, i);
        this.delimiterAt = found === -1 ? NONE : found;
      }
      const e = Math.min(this.delimiterAt, this.nextNewline(text, i), length);
      if (e >= length && !ended) return this.needMore(pos, fieldStart, count);
      let fieldEnd = e;
      if (
        newline === LF &&
        (e >= length || text.charCodeAt(e) === LF) &&
        fieldEnd > i &&
        text.charCodeAt(fieldEnd - 1) === CR
      )
        fieldEnd--;
      if (count < maxColumns)
        fields[count] = trim
          ? trimSpaces(text.slice(i, fieldEnd))
          : text.slice(fieldStart, fieldEnd);
      count++;
      if (e < length && text.charCodeAt(e) === delimiter) {
        i = e + 1;
        continue;
      }
      recordEnd = e;
      break;
    }
    this.fieldCount = count;
    this.rowLine = this.line;
    this.line = line + 1;
    this.pos = recordEnd + 1;
    this.problem =
      problem ??
      (count > maxColumns
        ? this.tooWide()
        : recordEnd - pos > this.sizeCheck
          ? this.sizeProblem(text, pos, recordEnd)
          : undefined);
    return ROW;
  }

  /** The problem of a row with more than maxColumns cells (`fieldCount` is then only > max). */
  private tooWide(): string {
    return `line ${this.rowLine}: more than ${this.o.maxColumns} columns (maxColumns)`;
  }

  /** The next line break at or after `from` (NONE if there is none in `text`), cached. */
  private nextNewline(text: string, from: number): number {
    if (this.newlineAt < from) {
      const found = text.indexOf(this.newline === LF ? '\n' : '\r', from);
      this.newlineAt = found === -1 ? NONE : found;
    }
    return this.newlineAt;
  }

  private nextBackslash(text: string, from: number): number {
    if (this.backslashAt < from) {
      const found = text.indexOf('\\', from);
      this.backslashAt = found === -1 ? NONE : found;
    }
    return this.backslashAt;
  }

  private sizeProblem(text: string, pos: number, end: number): string | undefined {
    const o = this.o;
    if (end - pos > this.recordCheck && exceedsBytes(text.slice(pos, end), o.maxRecordBytes)) {
      return `line ${this.rowLine}: record exceeds ${o.maxRecordBytes} bytes`;
    }
    for (let i = 0; i < this.fieldCount; i++) {
      const field = this.fields[i]!;
      if (field.length > this.fieldCheck && exceedsBytes(field, o.maxFieldBytes)) {
        return `line ${this.rowLine}: field ${i + 1} exceeds ${o.maxFieldBytes} bytes`;
      }
    }
    return undefined;
  }

  /**
   * The row starting at `pos` is not complete. Wait until the buffer has doubled before trying
   * again, unless what is already buffered is over a limit: then skip the row as it streams.
   */
  private needMore(pos: number, fieldStart = pos, fieldIndex = 0): number {
    const buffered = this.text.length - pos;
    this.wantMore = Math.max(1, buffered);
    if (buffered > this.o.maxRecordBytes) {
      return this.startSkip(
        pos,
        `line ${this.line}: record exceeds ${this.o.maxRecordBytes} bytes`,
      );
    }
    if (this.text.length - fieldStart > this.o.maxFieldBytes) {
      return this.startSkip(
        pos,
        `line ${this.line}: field ${fieldIndex + 1} exceeds ${this.o.maxFieldBytes} bytes`,
      );
    }
    return NEED_MORE;
  }

  private startSkip(pos: number, reason: string): number {
    this.skipper = new RecordSkipper(this.o, this.newline < 0 ? LF : this.newline, this.line);
    this.skipReason = reason;
    this.rowLine = this.line;
    this.wantMore = 1;
    return this.skip(pos);
  }

  private skip(from = this.pos): number {
    const skipper = this.skipper!;
    const end = skipper.scan(this.text, from);
    if (end === -1) {
      this.text = '';
      this.pos = 0;
      if (!this.ended) return NEED_MORE;
      skipper.finish();
    }
    this.skipper = undefined;
    this.wantMore = 0;
    this.pos = end === -1 ? this.text.length : end + 1;
    this.line += skipper.lines + 1;
    this.fieldCount = 0;
    this.problem = this.skipReason;
    return ROW;
  }

  private merge(): void {
    const rest = this.pos < this.text.length ? this.text.slice(this.pos) : '';
    this.text = rest + this.pending.join('');
    this.pending = [];
    this.pendingSize = 0;
    this.pos = 0;
    this.wantMore = 0;
    this.quoteAt = -1;
    this.delimiterAt = -1;
    this.newlineAt = -1;
    this.backslashAt = -1;
  }

  /** 'auto': the first line break decides; a CR not followed by LF means CR-only lines. */
  private detectNewline(): boolean {
    const text = this.text;
    const lf = text.indexOf('\n', this.pos);
    const cr = text.indexOf('\r', this.pos);
    if (cr === -1 || (lf !== -1 && lf < cr)) {
      if (lf === -1 && !this.ended) return false;
      this.newline = LF;
      return true;
    }
    if (cr + 1 >= text.length && !this.ended) return false;
    this.newline = text.charCodeAt(cr + 1) === LF || cr + 1 >= text.length ? LF : CR;
    return true;
  }
}
