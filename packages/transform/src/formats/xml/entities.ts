import { isXmlChar } from './names.js';

const PREDEFINED: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  apos: "'",
  quot: '"',
};

const DECIMAL = /^#[0-9]{1,10}$/;
const HEX = /^#x[0-9a-fA-F]{1,8}$/;

/** Why a reference is refused, and at which index of the raw text it starts. */
export interface ReferenceProblem {
  readonly index: number;
  readonly message: string;
}

/**
 * Replaces the five predefined entities and numeric character references. There is no DTD, so
 * every other entity name is undefined and refused — nothing is ever expanded from a declaration,
 * which is what rules out entity expansion attacks and external entities by construction.
 * Returns the decoded text, or the problem (the caller turns its index into line and column).
 */
export function decodeReferences(raw: string): string | ReferenceProblem {
  let amp = raw.indexOf('&');
  if (amp === -1) return raw;
  let out = '';
  let from = 0;
  while (amp !== -1) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi === -1 || semi - amp > 40) {
      return { index: amp, message: 'an "&" that does not start a reference (write &amp;)' };
    }
    const body = raw.slice(amp + 1, semi);
    let replacement: string | undefined;
    if (body.charCodeAt(0) === 0x23 /* # */) {
      const code = DECIMAL.test(body)
        ? Number.parseInt(body.slice(1), 10)
        : HEX.test(body)
          ? Number.parseInt(body.slice(2), 16)
          : -1;
      if (code < 0) return { index: amp, message: 'a malformed character reference' };
      if (!isXmlChar(code)) {
        return { index: amp, message: 'a character reference to a character XML does not allow' };
      }
      replacement = String.fromCodePoint(code);
    } else {
      replacement = Object.hasOwn(PREDEFINED, body) ? PREDEFINED[body] : undefined;
      if (replacement === undefined) {
        return {
          index: amp,
          message:
            'an undefined entity (only &lt; &gt; &amp; &apos; &quot; and character references exist without a DTD)',
        };
      }
    }
    out += raw.slice(from, amp) + replacement;
    from = semi + 1;
    amp = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}
