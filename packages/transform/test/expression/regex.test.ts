import { compileExpression, ExpressionError } from '../../src/index.js';
import { createRegexRunner, compileRegex } from '../../src/expression/regex/index.js';

const runner = createRegexRunner(() => undefined);

/** What the host RegExp finds with the global flag (used only on these fixed, safe patterns). */
function hostMatches(source: string, flags: string, text: string) {
  const re = new RegExp(source, `${flags}g`);
  const found: Array<{ match: string; index: number; groups: string[] }> = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    found.push({ match: m[0], index: m.index, groups: m.slice(1).map((g) => g ?? '') });
    if (m[0] === '') re.lastIndex++;
  }
  return found;
}

// deterministic pseudo-random texts over a small alphabet, so patterns both hit and miss
function* texts(seed: number, count: number): Generator<string> {
  let state = seed;
  const alphabet = 'aAbB01 _-.\nxyz';
  for (let i = 0; i < count; i++) {
    let text = '';
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const length = state % 24;
    for (let j = 0; j < length; j++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      text += alphabet[state % alphabet.length];
    }
    yield text;
  }
}

describe('regex engine (Pike VM)', () => {
  it.each([
    ['a+', ''],
    ['a*?b', ''],
    ['(a|ab)(c|bcd)?', ''],
    ['[a-z]+', 'i'],
    ['\\d{2,3}', ''],
    ['^\\w+', 'm'],
    ['\\w+$', 'm'],
    ['\\bx\\w*', ''],
    ['(?:ab|a)+?b', 'i'],
    ['[^\\s.]+', ''],
    ['(a)|(b)', ''],
    ['a{2}', 'i'],
    ['.+?', ''],
    ['[-.]', ''],
    ['(\\d)(\\d)?', ''],
    ['x|y|z|', ''],
    ['(a*)*b', ''],
    ['\\B.', ''],
    ['\\x41', 'i'],
  ])('/%s/%s finds what the host RegExp finds', (source, flags) => {
    for (const text of texts(source.length * 31 + flags.length, 200)) {
      expect(runner.matchAll({ source, flags }, text)).toEqual(hostMatches(source, flags, text));
    }
  });

  it('matches catastrophic patterns in linear time', () => {
    const text = `${'a'.repeat(5000)}!`;
    const started = Date.now();
    expect(runner.matchAll({ source: '(a+)+b', flags: '' }, text)).toEqual([]);
    expect(runner.matchAll({ source: '(a|aa)*c', flags: '' }, text)).toEqual([]);
    expect(runner.matchAll({ source: '(x+x+)+y', flags: '' }, 'x'.repeat(3000))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('charges scanning to the evaluation time limit', () => {
    let ticks = 0;
    const counting = createRegexRunner(() => {
      ticks++;
    });
    counting.matchAll({ source: 'z', flags: '' }, 'a'.repeat(1000));
    expect(ticks).toBeGreaterThanOrEqual(1000);
  });

  it.each(['a(?=b)', 'a(?!b)', '(?<=a)b', '(a)\\1', '(a', 'a)', '[a', '*a', 'a{2000}'])(
    'rejects /%s/ as unsupported or invalid (S0303) instead of passing it to RegExp',
    (source) => {
      try {
        compileRegex(source, '');
        throw new Error('accepted');
      } catch (error) {
        expect(ExpressionError.is(error) && error.code).toBe('S0303');
      }
    },
  );

  it('backs $match, $replace, $split and $contains in expressions', () => {
    expect(compileExpression('$match("ab12cd345", /\\d+/).match').evaluate(null)).toEqual([
      '12',
      '345',
    ]);
    expect(
      compileExpression('$replace("John Smith", /(\\w+)\\s(\\w+)/, "$2, $1")').evaluate(null),
    ).toBe('Smith, John');
    expect(compileExpression('$split("a1b22c", /\\d+/)').evaluate(null)).toEqual(['a', 'b', 'c']);
    expect(compileExpression('$contains("Hat", /hat/i)').evaluate(null)).toBe(true);
    expect(compileExpression('/b+/("abbbc")').evaluate(null)).toMatchObject({
      match: 'bbb',
      start: 1,
      end: 4,
    });
  });
});
