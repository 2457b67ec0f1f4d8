import { TransformError, type TransformErrorCode } from '../../errors.js';
import { decodeReferences } from './entities.js';
import { describeCodePoint, INVALID_CHAR, nameEnd } from './names.js';

/** What `next()` found. Comments, processing instructions and the XML declaration are skipped. */
export const NEED_MORE = 0;
export const START_TAG = 1;
export const END_TAG = 2;
export const TEXT = 3;
export const END_OF_INPUT = 4;
const INCOMPLETE = -1;
const SKIPPED = -2;

export interface TokenizerLimits {
  /** The longest single token (tag, text run, comment, CDATA section), in characters. */
  readonly maxTokenChars: number;
  readonly maxAttributes: number;
  readonly maxNameLength: number;
}

const XML_DECLARATION =
  /^<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]+\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])([A-Za-z][A-Za-z0-9._-]{0,39})\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\4)?[ \t\n]*\?>$/;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09;

/**
 * A pull tokenizer over text chunks: push() text, then call next() until NEED_MORE. The current
 * token is read from the public fields. Line ends are normalised to LF (so CR never reaches a
 * value), characters XML does not allow stop the input where they stand, and a token that is not
 * complete yet is retried only once the buffered text has doubled, so a long token costs linear
 * time however small the chunks.
 */
export class XmlTokenizer {
  name = '';
  /** Flat [name, value, name, value…], values with references decoded and whitespace normalised. */
  attributes: string[] = [];
  selfClosing = false;
  text = '';
  cdata = false;
  /** The text came with references (`&…;`): not plain whitespace, even when it decodes to some. */
  references = false;
  /** Where the current token starts (1-based; columns count UTF-16 code units). */
  line = 1;
  column = 1;
  /** Characters of the current token's markup. */
  length = 0;
  declaredEncoding: string | undefined;

  private buf = '';
  private pos = 0;
  private base = 0; // absolute offset of buf[0]
  private currentLine = 1;
  private lineStart = 0; // absolute offset of the first character of the current line
  private newline = -1; // index in buf of the next LF at or after pos, or -1 when there is none
  private ended = false;
  private invalid: string | undefined; // a disallowed character cut the input here
  private held = '';
  private waitFor = 0;
  private windowEnd = 0; // scans look at buf[pos, windowEnd) only (see next())
  private started = false;

  constructor(private readonly limits: TokenizerLimits) {}

  push(chunk: string): void {
    if (this.ended) return;
    let text = this.held + chunk;
    this.held = '';
    if (text === '') return;
    const last = text.charCodeAt(text.length - 1);
    // CR may be the first half of CRLF, a high surrogate the first half of a pair.
    if (last === 0x0d || (last >= 0xd800 && last <= 0xdbff)) {
      this.held = text.slice(-1);
      text = text.slice(0, -1);
    }
    this.append(text);
  }

  end(): void {
    if (this.ended) return;
    const held = this.held;
    this.held = '';
    if (held !== '') this.append(held);
    this.ended = true;
  }

  /** True once the input has ended (or was cut by a disallowed character): push() is ignored. */
  get finished(): boolean {
    return this.ended;
  }

  private append(chunk: string): void {
    let text = chunk.indexOf('\r') === -1 ? chunk : chunk.replace(/\r\n?/g, '\n');
    const bad = INVALID_CHAR.exec(text);
    if (bad !== null) {
      this.invalid = describeCodePoint(text, bad.index);
      text = text.slice(0, bad.index);
      this.ended = true;
    }
    if (this.pos > 0) {
      this.base += this.pos;
      if (this.newline !== -1) this.newline -= this.pos;
      this.buf = this.buf.slice(this.pos);
      this.pos = 0;
    }
    const from = this.buf.length;
    this.buf += text;
    if (this.newline === -1) this.newline = this.buf.indexOf('\n', from);
  }

  next(): number {
    for (;;) {
      const available = this.buf.length - this.pos;
      if (!this.ended && (available === 0 || available < this.waitFor)) return NEED_MORE;
      if (available === 0) {
        if (this.invalid !== undefined) throw this.invalidCharacter();
        return END_OF_INPUT;
      }
      // A token is judged on its first maxTokenChars + 1 characters only, so that how the text
      // was chunked can never change the outcome: a token longer than that is always
      // limit_exceeded, never an error found further on.
      this.windowEnd = Math.min(this.buf.length, this.pos + this.limits.maxTokenChars + 1);
      const startLine = this.currentLine;
      const startColumn = this.base + this.pos - this.lineStart + 1;
      const startOffset = this.base + this.pos;
      const kind = this.scan();
      if (kind !== INCOMPLETE && this.base + this.pos - startOffset > this.limits.maxTokenChars) {
        throw new TransformError(
          'limit_exceeded',
          `${this.tooLong()} at line ${startLine}, column ${startColumn}`,
        );
      }
      if (kind === INCOMPLETE) {
        if (available > this.limits.maxTokenChars) {
          throw this.error('limit_exceeded', this.tooLong(), this.pos);
        }
        if (this.ended) {
          if (this.invalid !== undefined) throw this.invalidCharacter();
          throw this.error(
            'malformed_input',
            `unexpected end of input inside markup that starts at ${this.where(this.pos)}; input ends`,
            this.buf.length,
          );
        }
        // Retry once the text has doubled, and at the latest once the token is known to be too long.
        this.waitFor = Math.min(available * 2, this.limits.maxTokenChars + 1);
        return NEED_MORE;
      }
      this.waitFor = 0;
      if (kind !== SKIPPED) return kind;
    }
  }

  /** "line L, column C" of an index into the buffer at or after the current position. */
  where(index: number): string {
    let line = this.currentLine;
    let lineStart = this.lineStart;
    for (let i = this.pos; i < index && i < this.buf.length; i++) {
      if (this.buf.charCodeAt(i) === 0x0a) {
        line++;
        lineStart = this.base + i + 1;
      }
    }
    return `line ${line}, column ${this.base + index - lineStart + 1}`;
  }

  /** "line L, column C" of the end of the text read so far. */
  whereInputEnds(): string {
    return this.where(this.buf.length);
  }

  error(code: TransformErrorCode, what: string, index: number): TransformError {
    return new TransformError(code, `${what} at ${this.where(index)}`);
  }

  private tooLong(): string {
    return `a single tag, text run, comment or CDATA section exceeds ${this.limits.maxTokenChars} characters`;
  }

  private invalidCharacter(): TransformError {
    return this.error(
      'malformed_input',
      `character ${this.invalid ?? ''} is not allowed in XML`,
      this.buf.length,
    );
  }

  private begin(length: number): void {
    this.line = this.currentLine;
    this.column = this.base + this.pos - this.lineStart + 1;
    this.length = length;
  }

  private advance(end: number): void {
    while (this.newline !== -1 && this.newline < end) {
      this.currentLine++;
      this.lineStart = this.base + this.newline + 1;
      this.newline = this.buf.indexOf('\n', this.newline + 1);
    }
    this.pos = end;
  }

  /** The input has ended and the scan window reaches its end. */
  private get final(): boolean {
    return this.ended && this.windowEnd === this.buf.length;
  }

  /** indexOf within the scan window, -1 when the needle does not end inside it. */
  private find(needle: string, from: number): number {
    const at = this.buf.indexOf(needle, from);
    return at === -1 || at + needle.length > this.windowEnd ? -1 : at;
  }

  private scan(): number {
    if (!this.started) return this.scanProlog();
    const buf = this.buf;
    const p = this.pos;
    if (buf.charCodeAt(p) !== 0x3c /* < */) return this.scanText();
    if (p + 1 >= this.windowEnd) return INCOMPLETE;
    const c = buf.charCodeAt(p + 1);
    if (c === 0x2f /* / */) return this.scanEndTag();
    if (c === 0x21 /* ! */) return this.scanBang();
    if (c === 0x3f /* ? */) return this.scanProcessingInstruction();
    return this.scanStartTag();
  }

  private scanProlog(): number {
    if (this.base === 0 && this.pos === 0 && this.buf.charCodeAt(0) === 0xfeff) {
      this.pos = 1;
      this.lineStart = 1; // a byte order mark is not a column
    }
    const head = this.buf.slice(this.pos, Math.min(this.pos + 6, this.windowEnd));
    if (head.length < 6 && !this.final && '<?xml'.startsWith(head.slice(0, 5))) return INCOMPLETE;
    if (!head.startsWith('<?xml') || !isSpace(head.charCodeAt(5))) {
      this.started = true;
      return SKIPPED;
    }
    const close = this.find('?>', this.pos);
    if (close === -1) return INCOMPLETE;
    const match = XML_DECLARATION.exec(this.buf.slice(this.pos, close + 2));
    if (match === null) throw this.error('malformed_input', 'malformed XML declaration', this.pos);
    this.declaredEncoding = match[3];
    this.advance(close + 2);
    this.started = true;
    return SKIPPED;
  }

  private scanText(): number {
    const buf = this.buf;
    const p = this.pos;
    const lt = this.find('<', p);
    if (lt === -1 && !this.final) return INCOMPLETE;
    const end = lt === -1 ? this.windowEnd : lt;
    const raw = buf.slice(p, end);
    const cdataEnd = raw.indexOf(']]>');
    if (cdataEnd !== -1) throw this.error('malformed_input', '"]]>" in text', p + cdataEnd);
    const decoded = decodeReferences(raw);
    if (typeof decoded !== 'string') {
      throw this.error('malformed_input', decoded.message, p + decoded.index);
    }
    this.begin(end - p);
    this.text = decoded;
    this.cdata = false;
    this.references = decoded !== raw;
    this.advance(end);
    return TEXT;
  }

  private scanBang(): number {
    const buf = this.buf;
    const p = this.pos;
    const head = buf.slice(p, Math.min(p + 9, this.windowEnd));
    if (head.startsWith('<!--')) {
      const close = this.find('-->', p + 4);
      if (close === -1) return INCOMPLETE;
      const dashes = buf.indexOf('--', p + 4);
      if (dashes < close) throw this.error('malformed_input', '"--" inside a comment', dashes);
      this.advance(close + 3);
      return SKIPPED;
    }
    if (head === '<![CDATA[') {
      const close = this.find(']]>', p + 9);
      if (close === -1) return INCOMPLETE;
      this.begin(close + 3 - p);
      this.text = buf.slice(p + 9, close);
      this.cdata = true;
      this.advance(close + 3);
      return TEXT;
    }
    if (head === '<!DOCTYPE') {
      throw this.error(
        'unsupported_input',
        'a DOCTYPE declaration (DTDs are never processed: no entity declarations, no external subsets)',
        p,
      );
    }
    const couldBe = ['<!--', '<![CDATA[', '<!DOCTYPE'].some(
      (start) => head.length < start.length && start.startsWith(head),
    );
    if (couldBe && !this.final) return INCOMPLETE;
    throw this.error('malformed_input', 'a "<!" that starts no comment or CDATA section', p);
  }

  private scanProcessingInstruction(): number {
    const buf = this.buf;
    const p = this.pos;
    const after = nameEnd(buf, p + 2);
    if (after === -1) {
      if (p + 2 >= this.windowEnd) return INCOMPLETE;
      throw this.error('malformed_input', 'a processing instruction without a target name', p);
    }
    if (after >= this.windowEnd) return INCOMPLETE;
    if (buf.slice(p + 2, after).toLowerCase() === 'xml') {
      throw this.error('malformed_input', 'an XML declaration that is not at the start', p);
    }
    const close = this.find('?>', after);
    if (close === -1) return INCOMPLETE;
    if (close !== after && !isSpace(buf.charCodeAt(after))) {
      throw this.error('malformed_input', 'a malformed processing instruction', p);
    }
    this.advance(close + 2);
    return SKIPPED;
  }

  private scanEndTag(): number {
    const buf = this.buf;
    const p = this.pos;
    const limit = this.windowEnd;
    const end = nameEnd(buf, p + 2);
    if (end === -1) {
      if (p + 2 >= limit) return INCOMPLETE;
      throw this.error('malformed_input', 'an end tag without a name', p);
    }
    let i = end;
    while (i < limit && isSpace(buf.charCodeAt(i))) i++;
    if (i >= limit) return INCOMPLETE;
    if (buf.charCodeAt(i) !== 0x3e) throw this.error('malformed_input', 'a malformed end tag', p);
    this.begin(i + 1 - p);
    this.name = buf.slice(p + 2, end);
    this.advance(i + 1);
    return END_TAG;
  }

  private scanStartTag(): number {
    const buf = this.buf;
    const p = this.pos;
    const limit = this.windowEnd;
    let i = nameEnd(buf, p + 1);
    if (i === -1)
      throw this.error('malformed_input', 'a "<" that starts no tag (write &lt; in text)', p);
    if (i >= limit) return INCOMPLETE;
    const name = buf.slice(p + 1, i);
    this.checkName(name, p + 1);
    const attributes: string[] = [];
    let selfClosing = false;
    for (;;) {
      const spaceStart = i;
      while (i < limit && isSpace(buf.charCodeAt(i))) i++;
      if (i >= limit) return INCOMPLETE;
      const c = buf.charCodeAt(i);
      if (c === 0x3e /* > */) break;
      if (c === 0x2f /* / */) {
        if (i + 1 >= limit) return INCOMPLETE;
        if (buf.charCodeAt(i + 1) !== 0x3e)
          throw this.error('malformed_input', 'a "/" not followed by ">"', i);
        selfClosing = true;
        i++;
        break;
      }
      let j = nameEnd(buf, i);
      if (j === -1) throw this.error('malformed_input', 'an attribute name expected', i);
      if (i === spaceStart)
        throw this.error('malformed_input', 'whitespace expected before an attribute', i);
      if (j >= limit) return INCOMPLETE;
      const attribute = buf.slice(i, j);
      this.checkName(attribute, i);
      while (j < limit && isSpace(buf.charCodeAt(j))) j++;
      if (j >= limit) return INCOMPLETE;
      if (buf.charCodeAt(j) !== 0x3d /* = */) {
        throw this.error('malformed_input', 'an "=" expected after an attribute name', j);
      }
      j++;
      while (j < limit && isSpace(buf.charCodeAt(j))) j++;
      if (j >= limit) return INCOMPLETE;
      const quote = buf.charCodeAt(j);
      if (quote !== 0x22 && quote !== 0x27) {
        throw this.error('malformed_input', 'a quoted attribute value expected', j);
      }
      const close = this.find(quote === 0x22 ? '"' : "'", j + 1);
      if (close === -1) return INCOMPLETE;
      attributes.push(attribute, this.attributeValue(j + 1, close));
      if (attributes.length > 2 * this.limits.maxAttributes) {
        throw this.error(
          'limit_exceeded',
          `more than ${this.limits.maxAttributes} attributes on one element`,
          p,
        );
      }
      i = close + 1;
    }
    this.checkAttributes(attributes, p);
    this.begin(i + 1 - p);
    this.name = name;
    this.attributes = attributes;
    this.selfClosing = selfClosing;
    this.advance(i + 1);
    return START_TAG;
  }

  private attributeValue(start: number, end: number): string {
    let raw = this.buf.slice(start, end);
    const lt = raw.indexOf('<');
    if (lt !== -1) throw this.error('malformed_input', 'a "<" in an attribute value', start + lt);
    // Attribute-value normalisation: literal tabs and line ends read as spaces (&#10; stays LF).
    if (raw.indexOf('\n') !== -1 || raw.indexOf('\t') !== -1) raw = raw.replace(/[\t\n]/g, ' ');
    const decoded = decodeReferences(raw);
    if (typeof decoded !== 'string') {
      throw this.error('malformed_input', decoded.message, start + decoded.index);
    }
    return decoded;
  }

  private checkName(name: string, index: number): void {
    if (name.length > this.limits.maxNameLength) {
      throw this.error(
        'limit_exceeded',
        `a name longer than ${this.limits.maxNameLength} characters`,
        index,
      );
    }
  }

  private checkAttributes(attributes: readonly string[], index: number): void {
    if (attributes.length < 4) return;
    const seen = new Set<string>();
    for (let k = 0; k < attributes.length; k += 2) {
      const name = attributes[k]!;
      if (seen.has(name)) throw this.error('malformed_input', 'a duplicate attribute', index);
      seen.add(name);
    }
  }
}
