// Parses the regular-expression subset JSONata patterns use (JavaScript syntax without
// backreferences or lookaround) into a small tree. Anything outside the subset is rejected at
// compile time rather than handed to the host's backtracking RegExp.

/** A set of UTF-16 code unit ranges, inclusive. */
export type CharRanges = ReadonlyArray<readonly [number, number]>;

export type RegexNode =
  | { kind: 'empty' }
  | { kind: 'char'; code: number }
  | { kind: 'any' }
  | { kind: 'class'; ranges: CharRanges; negated: boolean }
  | { kind: 'assert'; what: 'bol' | 'eol' | 'word' | 'not-word' }
  | { kind: 'group'; body: RegexNode; capture: number | undefined }
  | { kind: 'concat'; items: RegexNode[] }
  | { kind: 'alternate'; options: RegexNode[] }
  | { kind: 'repeat'; body: RegexNode; min: number; max: number; greedy: boolean };

export class PatternError extends Error {}

export const DIGIT: CharRanges = [[48, 57]];
export const WORD: CharRanges = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];
export const SPACE: CharRanges = [
  [9, 13],
  [32, 32],
  [160, 160],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
/** The largest repetition count accepted in `{m,n}` (keeps compiled programs small). */
const MAX_COUNT = 1000;

export function negate(ranges: CharRanges): CharRanges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const result: Array<[number, number]> = [];
  let next = 0;
  for (const [from, to] of sorted) {
    if (from > next) result.push([next, from - 1]);
    next = Math.max(next, to + 1);
  }
  if (next <= 0xffff) result.push([next, 0xffff]);
  return result;
}

export function parsePattern(source: string): { root: RegexNode; groups: number } {
  let pos = 0;
  let groups = 0;
  const peek = (): string => source.charAt(pos);
  const fail = (what: string): never => {
    throw new PatternError(`${what} at offset ${pos}`);
  };

  const parseAlternation = (): RegexNode => {
    const options = [parseConcat()];
    while (peek() === '|') {
      pos++;
      options.push(parseConcat());
    }
    return options.length === 1 ? (options[0] as RegexNode) : { kind: 'alternate', options };
  };

  const parseConcat = (): RegexNode => {
    const items: RegexNode[] = [];
    while (pos < source.length && peek() !== '|' && peek() !== ')') items.push(parseQuantified());
    if (items.length === 1) return items[0] as RegexNode;
    return items.length === 0 ? { kind: 'empty' } : { kind: 'concat', items };
  };

  const parseQuantified = (): RegexNode => {
    const atom = parseAtom();
    let min: number;
    let max: number;
    const ch = peek();
    if (ch === '*') [min, max] = [0, Infinity];
    else if (ch === '+') [min, max] = [1, Infinity];
    else if (ch === '?') [min, max] = [0, 1];
    else if (ch === '{') {
      const counted = /^\{(\d+)(,(\d*))?\}/.exec(source.substring(pos));
      if (!counted) return atom; // a `{` that is not a quantifier is a literal (as in JavaScript)
      min = Number(counted[1]);
      max = counted[2] === undefined ? min : counted[3] === '' ? Infinity : Number(counted[3]);
      if (min > max) fail('numbers out of order in {} quantifier');
      if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT))
        fail('repetition count too large');
      pos += counted[0].length - 1;
    } else {
      return atom;
    }
    pos++;
    let greedy = true;
    if (peek() === '?') {
      greedy = false;
      pos++;
    }
    if (atom.kind === 'assert') fail('nothing to repeat');
    return { kind: 'repeat', body: atom, min, max, greedy };
  };

  const parseAtom = (): RegexNode => {
    const ch = peek();
    pos++;
    switch (ch) {
      case '.':
        return { kind: 'any' };
      case '^':
        return { kind: 'assert', what: 'bol' };
      case '$':
        return { kind: 'assert', what: 'eol' };
      case '(': {
        let capture: number | undefined;
        if (source.startsWith('?:', pos)) {
          pos += 2;
        } else if (peek() === '?') {
          const named = /^\?<([A-Za-z_$][\w$]*)>/.exec(source.substring(pos));
          if (!named) fail('lookaround assertions are not supported');
          pos += (named as RegExpExecArray)[0].length;
          capture = ++groups;
        } else {
          capture = ++groups;
        }
        const body = parseAlternation();
        if (peek() !== ')') fail('unterminated group');
        pos++;
        return { kind: 'group', body, capture };
      }
      case ')':
        return fail('unmatched )');
      case '[':
        return parseClass();
      case '\\':
        return parseEscape(false) as RegexNode;
      case '*':
      case '+':
      case '?':
        return fail('nothing to repeat');
      default:
        return { kind: 'char', code: ch.charCodeAt(0) };
    }
  };

  /** After a backslash. In a class, returns ranges; `\b` there is a backspace. */
  const parseEscape = (inClass: boolean): RegexNode | CharRanges => {
    const ch = peek();
    pos++;
    switch (ch) {
      case 'd':
        return inClass ? DIGIT : { kind: 'class', ranges: DIGIT, negated: false };
      case 'D':
        return inClass ? negate(DIGIT) : { kind: 'class', ranges: DIGIT, negated: true };
      case 'w':
        return inClass ? WORD : { kind: 'class', ranges: WORD, negated: false };
      case 'W':
        return inClass ? negate(WORD) : { kind: 'class', ranges: WORD, negated: true };
      case 's':
        return inClass ? SPACE : { kind: 'class', ranges: SPACE, negated: false };
      case 'S':
        return inClass ? negate(SPACE) : { kind: 'class', ranges: SPACE, negated: true };
      case 'b':
        return inClass ? [[8, 8]] : { kind: 'assert', what: 'word' };
      case 'B':
        return inClass ? fail('\\B in a class') : { kind: 'assert', what: 'not-word' };
      case '':
        return fail('\\ at end of pattern');
      default: {
        const code = escapedCode(ch);
        return inClass ? [[code, code]] : { kind: 'char', code };
      }
    }
  };

  const escapedCode = (ch: string): number => {
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, v: 11, '0': 0 };
    if (Object.hasOwn(simple, ch) && !(ch === '0' && /[0-9]/.test(peek())))
      return simple[ch] as number;
    if (/[1-9]/.test(ch)) return fail('backreferences are not supported');
    if (ch === 'x' || ch === 'u') {
      const length = ch === 'x' ? 2 : 4;
      const hex = source.substring(pos, pos + length);
      if (hex.length === length && /^[0-9a-fA-F]+$/.test(hex)) {
        pos += length;
        return parseInt(hex, 16);
      }
      return ch.charCodeAt(0);
    }
    if (ch === 'c' && /[A-Za-z]/.test(peek())) {
      const letter = peek();
      pos++;
      return letter.charCodeAt(0) % 32;
    }
    return ch.charCodeAt(0);
  };

  const parseClass = (): RegexNode => {
    let negated = false;
    if (peek() === '^') {
      negated = true;
      pos++;
    }
    const ranges: Array<readonly [number, number]> = [];
    while (pos < source.length && peek() !== ']') {
      const start = classAtom();
      if (
        peek() === '-' &&
        source.charAt(pos + 1) !== ']' &&
        pos + 1 < source.length &&
        start.length === 1
      ) {
        const from = (start[0] as readonly [number, number])[0];
        const save = pos;
        pos++;
        const end = classAtom();
        if (
          end.length !== 1 ||
          (start[0] as readonly [number, number])[0] !== (start[0] as readonly [number, number])[1]
        ) {
          pos = save;
          ranges.push(...start);
          continue;
        }
        const to = (end[0] as readonly [number, number])[0];
        if (to < from) fail('range out of order in character class');
        ranges.push([from, to]);
      } else {
        ranges.push(...start);
      }
    }
    if (peek() !== ']') fail('unterminated character class');
    pos++;
    return { kind: 'class', ranges, negated };
  };

  const classAtom = (): CharRanges => {
    const ch = peek();
    pos++;
    if (ch === '\\') return parseEscape(true) as CharRanges;
    const code = ch.charCodeAt(0);
    return [[code, code]];
  };

  const root = parseAlternation();
  if (pos < source.length) fail('unmatched )');
  return { root, groups };
}
