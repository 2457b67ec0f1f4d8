import { compileExpression, ExpressionError } from '../src/index.js';

// Expressions come from integration designers and, through plugins and shared projects, from
// people we do not trust. Each of these must be rejected or cut off with a clear
// ExpressionError, and leave the host exactly as it was.

function run(
  source: string,
  input: unknown = {},
  options = {},
): { value?: unknown; error?: ExpressionError } {
  try {
    return { value: compileExpression(source, options).evaluate(input) };
  } catch (error) {
    if (ExpressionError.is(error)) return { error };
    throw error;
  }
}

const prototypeSnapshot = (): string[] => [
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Array.prototype),
  ...Object.getOwnPropertyNames(String.prototype),
  ...Object.getOwnPropertyNames(Function.prototype),
];
const before = prototypeSnapshot();

afterAll(() => {
  expect(prototypeSnapshot()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.toString.call([])).toBe('[object Array]');
});

describe('prototype and constructor walks find nothing', () => {
  const input = { a: { b: 1 }, list: [1, 2], text: 'abc', when: new Date(0) };
  it.each([
    'constructor',
    '__proto__',
    'prototype',
    'a.constructor',
    'a.constructor.constructor',
    'a.__proto__',
    'a.__proto__.polluted',
    'list.constructor',
    'text.constructor',
    'text.length',
    'when.getTime',
    '`constructor`',
    '$.constructor.name',
    '$.*.constructor',
    '**.constructor',
    '$lookup($, "constructor")',
    '$lookup($, "__proto__")',
    '$lookup(a, "con" & "structor")',
    '$lookup($, "proto" ~> $join(["__", "__"], ?))',
    '$lookup(a, $eval("\\"constructor\\""))',
    '$eval("constructor")',
    '$eval("a.__proto__")',
    '$string.constructor',
    '$lookup($string, "constructor")',
    '$keys($string)',
    '$lookup(function(){1}, "constructor")',
    '$process',
    '$require',
    '$globalThis',
    '$this',
  ])('%s is undefined', (source) => {
    const { value, error } = run(source, input);
    expect(error).toBeUndefined();
    expect(value).toBeUndefined();
  });

  it('lists only own data keys through $keys, $each, $sift and $spread', () => {
    expect(run('$keys(a)', input).value).toBe('b');
    expect(run('$each(a, function($v, $k){ $k })', input).value).toBe('b');
    expect(run('$keys($sift(a, function(){ true }))', input).value).toBe('b');
    expect(run('$keys($spread(a))', input).value).toBe('b');
    expect(run('$keys(when)', input).value).toBeUndefined();
  });

  it('never calls host functions found in the input', () => {
    const { error } = run('f()', { f: () => 'host' });
    expect(error?.code).toBe('T1006');
    expect(run('f', { f: () => 'host' }).value).toBeUndefined();
  });
});

describe('"__proto__" stays an ordinary key', () => {
  it.each([
    '{"__proto__": {"polluted": true}}',
    '$merge([{"__proto__": {"polluted": true}}])',
    '$ ~> |$|{"__proto__": {"polluted": true}}|',
    '{"a": 1} ~> |$|{"constructor": {"prototype": {"polluted": true}}}|',
    '$spread({"__proto__": {"polluted": true}})',
    '$sift({"__proto__": {"polluted": true}}, function(){ true })',
  ])('%s builds data and pollutes nothing', (source) => {
    const { value, error } = run(source, { x: 1 });
    expect(error).toBeUndefined();
    const found = Array.isArray(value) ? value[0] : value;
    expect(Object.keys(found as object).length).toBeGreaterThan(0);
    expect(
      Object.getPrototypeOf(found) === Object.prototype || Object.getPrototypeOf(found) === null,
    ).toBe(true);
    expect((found as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('runaway work is cut off', () => {
  it('stops infinite recursion with U1001 (stack)', () => {
    const { error } = run('( $f := function($n){ $n + $f($n + 1) }; $f(0) )');
    expect(error?.code).toBe('U1001');
  });

  it('stops an infinite tail-recursive loop with U1001 (time) within the limit', () => {
    const started = Date.now();
    const { error } = run('( $f := function(){ $f() }; $f() )', {}, { timeLimitMs: 200 });
    expect(error?.code).toBe('U1001');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops exponential string growth with U1002', () => {
    const { error } = run('( $d := function($s){ $d($s & $s) }; $d("x") )');
    expect(error?.code).toBe('U1002');
  });

  it('stops exponential growth through $eval and $pad', () => {
    expect(run('$pad("x", 100000000)').error?.code).toBe('U1002');
    expect(run('$eval("( $d := function($s){ $d($s & $s) }; $d(\\"x\\") )")').error?.code).toBe(
      'U1002',
    );
  });

  it('refuses huge ranges', () => {
    expect(run('[1..100000000]').error?.code).toBe('D2014');
    expect(run('[1..5000000]', {}, { maxOutputSize: 1_000_000 }).error?.code).toBe('U1002');
  });

  it('bounds work over huge ranges by time', () => {
    const { error } = run(
      '$sum([1..10000000].($string($) ~> $length()))',
      {},
      { timeLimitMs: 100 },
    );
    expect(error?.code).toBe('U1001');
  });

  it('matches catastrophic regexes in linear time', () => {
    const started = Date.now();
    const text = `${'a'.repeat(20000)}!`;
    expect(run('$match($, /(a+)+b/)', text).value).toBeUndefined();
    expect(run('$contains($, /(a|aa)*c/)', text).value).toBe(false);
    expect(run('$replace($, /(a*)*b/, "x")', text).value).toBe(text);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses regex features that only a backtracking engine has', () => {
    expect(run('$match("aa", /(a)\\1/)').error?.code).toBe('S0303');
    expect(run('$match("ab", /a(?=b)/)').error?.code).toBe('S0303');
  });

  it('turns deeply nested source into an error, not a host crash', () => {
    const nested = `${'['.repeat(20000)}1${']'.repeat(20000)}`;
    expect(run(nested).error?.code).toBe('U1001');
  });
});
