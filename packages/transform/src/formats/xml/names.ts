// The XML 1.0 (fifth edition) Name and Char productions, as regular expressions over code points.
const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_REST = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;

// The Name production allows combining marks (U+0300–U+036F) as name characters on their own.
/* eslint-disable no-misleading-character-class */
/** A Name at the regex's lastIndex (sticky). */
export const NAME_AT = new RegExp(`[${NAME_START}][${NAME_REST}]*`, 'uy');

const NAME = new RegExp(`^[${NAME_START}][${NAME_REST}]*$`, 'u');
const NC_NAME_START = NAME_START.slice(1); // without ':'
const NC_NAME_REST = NAME_REST.slice(1);
const NC_NAME = new RegExp(`^[${NC_NAME_START}][${NC_NAME_REST}]*$`, 'u');
/* eslint-enable no-misleading-character-class */

// 1: may start a name (and continue one), 2: may only continue one; ASCII only.
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[:A-Z_a-z]/.test(ch)) ASCII_NAME[c] = 1;
  else if (/[-.0-9]/.test(ch)) ASCII_NAME[c] = 2;
}

/**
 * Where the Name starting at `start` ends, or -1 when no name starts there. ASCII names (nearly
 * all of them) are scanned by table; a non-ASCII character hands over to the full production.
 */
export function nameEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first < 128 && ASCII_NAME[first] === 1) {
    let i = start + 1;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) break;
      if (ASCII_NAME[c] === 0) return i;
    }
    if (i === text.length) return i;
  } else if (!(first >= 128)) {
    return -1;
  }
  NAME_AT.lastIndex = start;
  return NAME_AT.test(text) ? NAME_AT.lastIndex : -1;
}

/** The first character that XML 1.0 does not allow anywhere in a document. */
export const INVALID_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function isXmlName(value: string): boolean {
  return NAME.test(value);
}

/** A name without a colon (a namespace prefix or local part). */
export function isNcName(value: string): boolean {
  return NC_NAME.test(value);
}

/** `local` or `prefix:local`, both parts NCNames. */
export function isQName(value: string): boolean {
  const colon = value.indexOf(':');
  if (colon === -1) return isNcName(value);
  return isNcName(value.slice(0, colon)) && isNcName(value.slice(colon + 1));
}

/** The code point of the first character of `text` as U+XXXX (error messages name characters this way). */
export function describeCodePoint(text: string, index: number): string {
  const code = text.codePointAt(index) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';
export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

/**
 * A copy of a string that does not share memory with the tokenizer's buffer. V8 makes substrings
 * of 13 characters or more views of their parent, so a value kept by the caller would otherwise
 * keep the whole chunk it came from alive (and a kept field of every record, the whole document).
 * Concatenating and slicing flattens into a new string of the value's own length.
 */
export function detached(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}
