// Splits an expression into tokens, one at a time, as the reference's lexer does (the parser
// asks for the next token and says whether a `/` may start a regex literal there).
import { syntaxError } from '../messages.js';

export type TokenType = 'name' | 'variable' | 'operator' | 'string' | 'number' | 'value' | 'regex';

export interface RegexLiteral {
  readonly source: string;
  readonly flags: string;
}

export interface Token {
  readonly type: TokenType;
  readonly value: string | number | boolean | null | RegexLiteral;
  readonly position: number;
}

/** Binding powers of the operators; also the characters that end a name. */
export const OPERATORS: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, number>, {
    '.': 75,
    '[': 80,
    ']': 0,
    '{': 70,
    '}': 0,
    '(': 80,
    ')': 0,
    ',': 0,
    '@': 80,
    '#': 80,
    ';': 80,
    ':': 80,
    '?': 20,
    '+': 50,
    '-': 50,
    '*': 60,
    '/': 60,
    '%': 60,
    '|': 20,
    '=': 40,
    '<': 40,
    '>': 40,
    '^': 40,
    '**': 60,
    '..': 20,
    ':=': 10,
    '!=': 40,
    '<=': 40,
    '>=': 40,
    '~>': 40,
    '?:': 40,
    '??': 40,
    and: 30,
    or: 25,
    in: 40,
    '&': 50,
    '!': 0,
    '~': 0,
  }),
);

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

const WHITESPACE = ' \t\n\r\v';
const TWO_CHAR_OPERATORS = ['..', ':=', '!=', '>=', '<=', '**', '~>', '?:', '??'];
const NUMBER = /^-?(0|([1-9][0-9]*))(\.[0-9]+)?([Ee][-+]?[0-9]+)?/;

export type Lexer = (infix?: boolean) => Token | null;

export function tokenizer(path: string): Lexer {
  let position = 0;
  const length = path.length;
  const create = (type: TokenType, value: Token['value']): Token => ({ type, value, position });

  const scanRegex = (): RegexLiteral => {
    // the opening '/' has been consumed; a closing '/' inside brackets or escaped does not count
    let start = position;
    let depth = 0;
    const isClosingSlash = (at: number): boolean => {
      if (path.charAt(at) === '/' && depth === 0) {
        let backslashes = 0;
        while (path.charAt(at - (backslashes + 1)) === '\\') backslashes++;
        return backslashes % 2 === 0;
      }
      return false;
    };
    while (position < length) {
      const ch = path.charAt(position);
      if (isClosingSlash(position)) {
        const source = path.substring(start, position);
        if (source === '') throw syntaxError('S0301', { position });
        position++;
        start = position;
        while (path.charAt(position) === 'i' || path.charAt(position) === 'm') position++;
        return { source, flags: path.substring(start, position) };
      }
      const escaped = path.charAt(position - 1) === '\\';
      if ((ch === '(' || ch === '[' || ch === '{') && !escaped) depth++;
      if ((ch === ')' || ch === ']' || ch === '}') && !escaped) depth--;
      position++;
    }
    throw syntaxError('S0302', { position });
  };

  const next: Lexer = (infix) => {
    if (position >= length) return null;
    let ch = path.charAt(position);
    while (position < length && WHITESPACE.includes(ch)) ch = path.charAt(++position);
    if (ch === '/' && path.charAt(position + 1) === '*') {
      const commentStart = position;
      position += 2;
      ch = path.charAt(position);
      while (!(ch === '*' && path.charAt(position + 1) === '/')) {
        ch = path.charAt(++position);
        if (position >= length) throw syntaxError('S0106', { position: commentStart });
      }
      position += 2;
      return next(infix);
    }
    if (infix !== true && ch === '/') {
      position++;
      return create('regex', scanRegex());
    }
    const pair = path.substring(position, position + 2);
    if (TWO_CHAR_OPERATORS.includes(pair)) {
      position += 2;
      return create('operator', pair);
    }
    if (Object.hasOwn(OPERATORS, ch)) {
      position++;
      return create('operator', ch);
    }
    if (ch === '"' || ch === "'") return scanString(ch);
    const numberMatch = NUMBER.exec(path.substring(position));
    if (numberMatch !== null) {
      const num = parseFloat(numberMatch[0]);
      if (Number.isFinite(num)) {
        position += numberMatch[0].length;
        return create('number', num);
      }
      throw syntaxError('S0102', { position, token: numberMatch[0] });
    }
    if (ch === '`') {
      position++;
      const end = path.indexOf('`', position);
      if (end !== -1) {
        const name = path.substring(position, end);
        position = end + 1;
        return create('name', name);
      }
      position = length;
      throw syntaxError('S0105', { position });
    }
    let i = position;
    for (;;) {
      const c = path.charAt(i);
      if (i === length || WHITESPACE.includes(c) || Object.hasOwn(OPERATORS, c)) {
        if (path.charAt(position) === '$') {
          const name = path.substring(position + 1, i);
          position = i;
          return create('variable', name);
        }
        const name = path.substring(position, i);
        position = i;
        switch (name) {
          case 'or':
          case 'in':
          case 'and':
            return create('operator', name);
          case 'true':
            return create('value', true);
          case 'false':
            return create('value', false);
          case 'null':
            return create('value', null);
          default:
            if (position === length && name === '') return null;
            return create('name', name);
        }
      }
      i++;
    }
  };

  const scanString = (quote: string): Token => {
    position++;
    let text = '';
    while (position < length) {
      let ch = path.charAt(position);
      if (ch === '\\') {
        position++;
        ch = path.charAt(position);
        if (Object.hasOwn(ESCAPES, ch)) {
          text += ESCAPES[ch];
        } else if (ch === 'u') {
          const octets = path.substring(position + 1, position + 5);
          if (!/^[0-9a-fA-F]{4}$/.test(octets)) throw syntaxError('S0104', { position });
          text += String.fromCharCode(parseInt(octets, 16));
          position += 4;
        } else {
          throw syntaxError('S0103', { position, token: ch });
        }
      } else if (ch === quote) {
        position++;
        return create('string', text);
      } else {
        text += ch;
      }
      position++;
    }
    throw syntaxError('S0101', { position });
  };

  return next;
}
