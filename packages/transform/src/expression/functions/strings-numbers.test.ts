// String and numeric functions beyond what the conformance cases cover; expected values were
// checked against the reference implementation.

import { ExpressionError } from '../contract.js';
import { fakeContext, fn, invoke } from './fake-call-context.spec.js';
import { STANDARD_FUNCTIONS } from './index.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ExpressionError.is(error) ? error.code : 'not an ExpressionError';
  }
  return undefined;
}

describe('the library', () => {
  it('offers every JSONata 2.x built-in, each with a signature', () => {
    const names = [
      'string',
      'length',
      'substring',
      'substringBefore',
      'substringAfter',
      'uppercase',
      'lowercase',
      'trim',
      'pad',
      'contains',
      'split',
      'join',
      'match',
      'replace',
      'base64encode',
      'base64decode',
      'encodeUrl',
      'encodeUrlComponent',
      'decodeUrl',
      'decodeUrlComponent',
      'formatNumber',
      'formatBase',
      'formatInteger',
      'parseInteger',
      'number',
      'abs',
      'floor',
      'ceil',
      'round',
      'power',
      'sqrt',
      'random',
      'sum',
      'max',
      'min',
      'average',
      'count',
      'boolean',
      'not',
      'exists',
      'append',
      'reverse',
      'shuffle',
      'sort',
      'distinct',
      'zip',
      'single',
      'keys',
      'lookup',
      'spread',
      'merge',
      'each',
      'sift',
      'error',
      'assert',
      'type',
      'clone',
      'map',
      'filter',
      'reduce',
      'now',
      'millis',
      'fromMillis',
      'toMillis',
      'eval',
    ];
    expect([...STANDARD_FUNCTIONS.keys()].sort()).toEqual([...names].sort());
    for (const definition of STANDARD_FUNCTIONS.values())
      expect(definition.signature).toMatch(/^<.*>$/);
  });
});

describe('$string', () => {
  it('writes numbers with 15 significant digits and functions as ""', () => {
    expect(invoke('string', [1 / 3])).toBe('0.333333333333333');
    expect(invoke('string', [{ a: Number('1.1234567890123456'), b: [1, 2e-7] }])).toBe(
      '{"a":1.12345678901235,"b":[1,2e-7]}',
    );
    expect(invoke('string', [1e21])).toBe('1e+21');
    expect(invoke('string', [-0])).toBe('0');
    expect(invoke('string', [fn(0, () => 1)])).toBe('');
    expect(invoke('string', [{ f: fn(0, () => 1) }])).toBe('{"f":""}');
  });

  it('prettifies on request and casts the context item when called with no argument', () => {
    expect(invoke('string', [[1, 2], true])).toBe('[\n  1,\n  2\n]');
    expect(invoke('string', [], fakeContext({ input: 5 }))).toBe('5');
  });

  it('rejects infinite numbers (D3001 at the top, D1001 inside)', () => {
    expect(codeOf(() => invoke('string', [Infinity]))).toBe('D3001');
    expect(codeOf(() => invoke('string', [[Infinity]]))).toBe('D1001');
  });

  it('charges the length of what it builds', () => {
    const context = fakeContext();
    invoke('string', [{ key: 'x'.repeat(100) }], context);
    expect(context.charged).toBeGreaterThan(100);
  });
});

describe('string functions', () => {
  it('count code points, not UTF-16 units', () => {
    expect(invoke('length', ['😀'])).toBe(1);
    expect(invoke('substring', ['😀abc', 1, 2])).toBe('ab');
  });

  it('$pad pads either side with a repeated pattern, and charges the padding', () => {
    const context = fakeContext();
    expect(invoke('pad', ['abc', -6, 'xy'], context)).toBe('xyxabc');
    expect(invoke('pad', ['abc', 6])).toBe('abc   ');
    invoke('pad', ['a', 1000], context);
    expect(context.charged).toBeGreaterThanOrEqual(999);
  });

  it('base64 works on Latin-1 text as the reference does', () => {
    expect(invoke('base64encode', ['héllo'])).toBe('aOlsbG8=');
    expect(invoke('base64decode', ['aOlsbG8='])).toBe('héllo');
  });

  it('$join joins with an optional separator', () => {
    expect(invoke('join', [['a', 'b']])).toBe('ab');
    expect(invoke('join', [['a', 'b'], '-'])).toBe('a-b');
    expect(invoke('join', ['a'])).toBe('a');
  });
});

describe('numeric functions', () => {
  it('$number casts decimal and prefixed strings, booleans; D3030 otherwise', () => {
    expect(invoke('number', ['0x1A'])).toBe(26);
    expect(invoke('number', ['-1.5e2'])).toBe(-150);
    expect(invoke('number', [true])).toBe(1);
    expect(codeOf(() => invoke('number', ['1e1000']))).toBe('D3030');
    expect(codeOf(() => invoke('number', [' 1']))).toBe('D3030');
  });

  it('$round rounds half to even, at any precision', () => {
    expect([2.5, 3.5, -2.5].map((value) => invoke('round', [value]))).toEqual([2, 4, -2]);
    expect(invoke('round', [1.005, 2])).toBe(1);
    expect(invoke('round', [12345, -2])).toBe(12300);
    expect(invoke('round', [-0.4])).toBe(0);
  });

  it('$formatBase, $power and $sqrt report their errors', () => {
    expect(invoke('formatBase', [255, 16])).toBe('ff');
    expect(codeOf(() => invoke('formatBase', [255, 1]))).toBe('D3100');
    expect(codeOf(() => invoke('power', [10, 400]))).toBe('D3061');
    expect(codeOf(() => invoke('sqrt', [-1]))).toBe('D3060');
  });

  it('aggregates, with undefined for empty input', () => {
    expect(invoke('sum', [[1, 2, 3]])).toBe(6);
    expect(invoke('max', [[]])).toBeUndefined();
    expect(invoke('min', [[3, 1]])).toBe(1);
    expect(invoke('average', [[1, 2]])).toBe(1.5);
    expect(invoke('count', [undefined])).toBe(0);
    expect(codeOf(() => invoke('sum', [['1']]))).toBe('T0412');
  });

  it('$formatNumber ignores option keys that would reach a prototype', () => {
    const options = JSON.parse(
      '{"__proto__": "x", "decimal-separator": ",", "grouping-separator": "."}',
    ) as object;
    expect(invoke('formatNumber', [1234.5678, '#.##0,00', options])).toBe('1.234,57');
    expect(invoke('formatNumber', [-0.5, '0.0;(0.0)'])).toBe('(0.5)');
    expect(invoke('formatNumber', [1234567.891, '#,##0.00e0'])).toBe('1.23e6');
  });
});
