import { describeJsonError } from './json-syntax.js';

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// A small deterministic PRNG (mulberry32) so that the fuzz cases are the same on every run.
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('describeJsonError', () => {
  it.each([
    ['{"a":}', 'unexpected "}" at column 6'],
    ['{"a":1,}', 'unexpected "}" at column 8'],
    ['[1,]', 'unexpected "]" at column 4'],
    ['[1 2]', 'unexpected "2" at column 4'],
    ['{"a" 1}', 'unexpected "1" at column 6'],
    ["{'a':1}", `unexpected "'" at column 2`],
    ['{a:1}', 'unexpected "a" at column 2'],
    ['{"a":1', 'unexpected end of input at column 7'],
    ['', 'unexpected end of input at column 1'],
    ['"abc', 'unterminated string at column 1'],
    ['"a\tb"', 'control character in string at column 3'],
    ['"a\\xb"', 'invalid escape in string at column 3'],
    ['"\\u12g4"', 'invalid escape in string at column 2'],
    ['01', 'invalid number at column 1'],
    ['1.', 'invalid number at column 1'],
    ['-', 'invalid number at column 1'],
    ['1e+', 'invalid number at column 1'],
    ['tru', 'unexpected "t" at column 1'],
    ['NaN', 'unexpected "N" at column 1'],
    ['{} {}', 'unexpected data after the JSON value at column 4'],
    ['[1]]', 'unexpected data after the JSON value at column 4'],
    ['{"a":1]', 'unexpected "]" at column 7'],
    ['\u00a0{}', 'unexpected character U+00A0 at column 1'],
    // Columns count characters: the emoji is one character (two UTF-16 code units, which would say 9).
    ['{"😀":1,,}', 'unexpected "," at column 8'],
  ])('%j → %s', (text, expected) => {
    expect(isValidJson(text)).toBe(false);
    expect(describeJsonError(text)).toBe(expected);
  });

  it('never quotes the input beyond one character', () => {
    const message = describeJsonError('{"password":"correct horse battery staple",}');
    expect(message).toBe('unexpected "}" at column 44');
    expect(message).not.toContain('horse');
  });

  it('copes with deep nesting without recursion', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(199_999);
    expect(describeJsonError(deep)).toBe('unexpected end of input at column 400000');
  });

  it('agrees with JSON.parse on which texts are valid (seeded mutation fuzz)', () => {
    const seeds = [
      '{"a":[1,-2.5e10,true,false,null,{"b":"c\\n\\u00e9\\"","d":[]}],"e":{}}',
      '[0, 1.25, -0, 3E-2, "x", [ ], { } ]',
      ' "\\/\\\\\\b\\f\\r\\t" ',
    ];
    const alphabet = '{}[]:,"\\ 0123456789-+.eEtrufalsn\t\u00e9x';
    const next = random(42);
    let checked = 0;
    for (const seed of seeds) {
      expect(describeJsonError(seed)).toBe('not parseable'); // valid input: no problem found
      for (let round = 0; round < 1500; round += 1) {
        const chars = [...seed];
        const edits = 1 + Math.floor(next() * 3);
        for (let e = 0; e < edits; e += 1) {
          const at = Math.floor(next() * (chars.length + 1));
          const kind = next();
          const char = alphabet[Math.floor(next() * alphabet.length)]!;
          if (kind < 0.33) chars.splice(at, 1);
          else if (kind < 0.66) chars.splice(at, 0, char);
          else chars[at] = char;
        }
        const text = chars.join('');
        expect([text, describeJsonError(text) === 'not parseable']).toEqual([
          text,
          isValidJson(text),
        ]);
        checked += 1;
      }
    }
    expect(checked).toBe(4500);
  });
});
