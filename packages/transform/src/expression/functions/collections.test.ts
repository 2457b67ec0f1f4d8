// Object, array and higher-order functions, with expected values checked against the
// reference implementation. Callbacks are test function values with a declared arity.

import { ExpressionError, isSequence } from '../contract.js';
import { fakeContext, fn, invoke, leaving } from './fake-call-context.spec.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ExpressionError.is(error) ? error.code : 'not an ExpressionError';
  }
  return undefined;
}

describe('object functions never reach a prototype', () => {
  it.each(['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty'])(
    '$lookup(…, %j) is undefined',
    (key) => {
      expect(invoke('lookup', [{}, key])).toBeUndefined();
      expect(leaving(invoke('lookup', [[{}, { a: 1 }], key]))).toBeUndefined();
    },
  );

  it('$lookup reads own keys, flattening through arrays', () => {
    expect(leaving(invoke('lookup', [[{ a: 1 }, { a: [2, 3] }, { b: 4 }], 'a']))).toEqual([
      1, 2, 3,
    ]);
    expect(invoke('lookup', [JSON.parse('{"__proto__": 7}'), '__proto__'])).toBe(7);
  });

  it('$merge builds a null-prototype object, so "__proto__" is an ordinary key', () => {
    const merged = invoke('merge', [
      [JSON.parse('{"__proto__": {"polluted": true}}'), { a: 1 }],
    ]) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBeNull();
    expect(Object.keys(merged)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('$spread, $sift and $clone build null-prototype objects', () => {
    const spread = invoke('spread', [{ a: 1, b: 2 }]) as object[];
    expect(spread.map((item) => Object.getPrototypeOf(item))).toEqual([null, null]);
    const sifted = invoke('sift', [{ a: 1, b: 2 }, fn(1, (value) => (value as number) > 1)]);
    expect(Object.getPrototypeOf(sifted)).toBeNull();
    const cloned = invoke('clone', [{ a: [1, { b: 2 }] }], fakeContext()) as {
      a: [number, object];
    };
    expect(Object.getPrototypeOf(cloned)).toBeNull();
    expect(Object.getPrototypeOf(cloned.a[1])).toBeNull();
    expect(leaving(cloned)).toEqual({ a: [1, { b: 2 }] });
  });

  it('$keys lists own keys only, merged across an array in the reference order', () => {
    expect(leaving(invoke('keys', [{ b: 1, 1: 2 }]))).toEqual(['1', 'b']);
    expect(leaving(invoke('keys', [[{ b: 1 }, { 1: 2, b: 3 }]]))).toEqual(['1', 'b']);
    expect(leaving(invoke('keys', ['x']))).toBeUndefined();
    expect(leaving(invoke('keys', [fn(1, () => 1)]))).toBeUndefined();
  });

  it('$each passes value, key and object as the callback declares', () => {
    const seen: unknown[][] = [];
    const result = invoke('each', [
      { a: 1, b: 2 },
      fn(3, (...args) => (seen.push(args), `${String(args[1])}${String(args[0])}`)),
    ]);
    expect(leaving(result)).toEqual(['a1', 'b2']);
    expect(seen.map((args) => args.length)).toEqual([3, 3]);
    const one: unknown[][] = [];
    invoke('each', [{ a: 1 }, fn(1, (...args) => one.push(args))]);
    expect(one).toEqual([[1]]);
  });

  it('$sift keeps entries passing the predicate, undefined when none do', () => {
    expect(
      leaving(invoke('sift', [{ a: 1, b: 2 }, fn(1, (value) => (value as number) > 1)])),
    ).toEqual({ b: 2 });
    expect(invoke('sift', [{ a: 1 }, fn(1, (value) => (value as number) > 1)])).toBeUndefined();
  });

  it('$spread splits objects and passes other values through', () => {
    expect(leaving(invoke('spread', [[{ a: 1, b: 2 }, { c: 3 }]]))).toEqual([
      { a: 1 },
      { b: 2 },
      { c: 3 },
    ]);
    expect(invoke('spread', [5])).toBe(5);
  });
});

describe('$type, $error, $assert, $boolean, $not, $exists', () => {
  it('names every type', () => {
    const cases: Array<[unknown, string | undefined]> = [
      [undefined, undefined],
      [null, 'null'],
      [1, 'number'],
      ['1', 'string'],
      [true, 'boolean'],
      [[1], 'array'],
      [{}, 'object'],
      [fn(0, () => 1), 'function'],
    ];
    for (const [value, expected] of cases) expect(invoke('type', [value])).toBe(expected);
  });

  it('throws D3137 and D3141 with the given or the default message', () => {
    expect(() => invoke('error', ['boom'])).toThrow('boom');
    expect(codeOf(() => invoke('error', []))).toBe('D3137');
    expect(() => invoke('assert', [false, 'no'])).toThrow('no');
    expect(codeOf(() => invoke('assert', [false]))).toBe('D3141');
    expect(invoke('assert', [true])).toBeUndefined();
  });

  it('computes the effective boolean value', () => {
    expect(invoke('boolean', [[0, 0]])).toBe(false);
    expect(invoke('boolean', [[0, 1]])).toBe(true);
    expect(invoke('boolean', [{}])).toBe(false);
    expect(invoke('boolean', [fn(0, () => 1)])).toBe(false);
    expect(invoke('boolean', [undefined])).toBeUndefined();
    expect(invoke('not', [''])).toBe(true);
    expect(invoke('exists', [null])).toBe(true);
    expect(invoke('exists', [undefined])).toBe(false);
  });
});

describe('array functions', () => {
  it('$sort sorts numbers and strings, and rejects mixtures (D3070)', () => {
    expect(invoke('sort', [[3, 1, 2]])).toEqual([1, 2, 3]);
    expect(invoke('sort', [['b', 'a']])).toEqual(['a', 'b']);
    expect(codeOf(() => invoke('sort', [[1, 'a']]))).toBe('D3070');
  });

  it('$sort with a comparator is a stable merge sort', () => {
    const items = Array.from({ length: 50 }, (_, index) => ({ key: index % 3, index }));
    const byKey = fn(2, (a, b) => (a as { key: number }).key > (b as { key: number }).key);
    const sorted = invoke('sort', [items, byKey]) as typeof items;
    const expected = [...items].sort((a, b) => a.key - b.key);
    expect(sorted).toEqual(expected);
  });

  it('$sort handles a large array without deep recursion', () => {
    const items = Array.from({ length: 20000 }, (_, index) => (index * 7919) % 20000);
    const sorted = invoke('sort', [items]) as number[];
    expect(sorted[0]).toBe(0);
    expect(sorted[19999]).toBe(19999);
  });

  it('$distinct compares structurally and keeps a sequence a sequence', () => {
    expect(invoke('distinct', [[1, 1, { a: 1 }, { a: 1 }, [1], [1], '1']])).toEqual([
      1,
      { a: 1 },
      [1],
      '1',
    ]);
    expect(invoke('distinct', [5])).toBe(5);
    const mixed = [
      { a: 1, b: 2 },
      { b: 2, a: 1 },
      [1, 2],
      [2, 1],
      1,
      '1',
      null,
      'null',
      true,
      'true',
    ];
    expect(invoke('distinct', [mixed])).toEqual([
      { a: 1, b: 2 },
      [1, 2],
      [2, 1],
      1,
      '1',
      null,
      'null',
      true,
      'true',
    ]);
    const callback = fn(0, () => 1);
    expect(invoke('distinct', [[{ f: callback }, { f: callback }, { f: 1 }]])).toEqual([
      { f: callback },
      { f: 1 },
    ]);
  });

  it('$distinct stays linear on many distinct objects', () => {
    const items = Array.from({ length: 50000 }, (_, index) => ({ id: index }));
    const started = Date.now();
    expect((invoke('distinct', [items]) as unknown[]).length).toBe(50000);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('$zip, $append, $reverse, $shuffle', () => {
    expect(
      invoke('zip', [
        [1, 2, 3],
        [4, 5],
      ]),
    ).toEqual([
      [1, 4],
      [2, 5],
    ]);
    expect(invoke('zip', [[1, 2], undefined])).toEqual([]);
    expect(invoke('append', [1, [2]])).toEqual([1, 2]);
    expect(invoke('append', [undefined, 2])).toBe(2);
    expect(invoke('reverse', [[1, 2, 3]])).toEqual([3, 2, 1]);
    const shuffled = invoke('shuffle', [[1, 2, 3, 4, 5]]) as number[];
    expect([...shuffled].sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('higher-order functions', () => {
  it('$map passes value, index and array as the callback declares, and drops undefined', () => {
    const mapped = invoke('map', [
      [1, 2, 3],
      fn(3, (v, i, a) => (v as number) * (i as number) + (a as unknown[]).length),
    ]);
    expect(isSequence(mapped)).toBe(true);
    expect(leaving(mapped)).toEqual([3, 5, 9]);
    expect(leaving(invoke('map', [[1, 2], fn(1, (v) => (v === 1 ? undefined : v))]))).toBe(2);
  });

  it('$filter keeps items whose predicate is truthy in the JSONata sense', () => {
    expect(leaving(invoke('filter', [[1, 2, 3], fn(2, (_v, i) => (i as number) > 0)]))).toEqual([
      2, 3,
    ]);
    expect(leaving(invoke('filter', [[1, 2], fn(1, () => [0])]))).toBeUndefined();
  });

  it('$reduce folds from the first item or the initial value; needs two parameters (D3050)', () => {
    const add = fn(2, (a, b) => (a as number) + (b as number));
    expect(invoke('reduce', [[1, 2, 3], add])).toBe(6);
    expect(invoke('reduce', [[1, 2, 3], add, 10])).toBe(16);
    const withIndex: unknown[] = [];
    invoke('reduce', [[1, 2], fn(4, (...args) => withIndex.push(args.length))]);
    expect(withIndex).toEqual([4]);
    expect(codeOf(() => invoke('reduce', [[1, 2, 3], fn(1, (a) => a)]))).toBe('D3050');
  });

  it('$single returns the one match or throws D3138/D3139', () => {
    expect(invoke('single', [[1, 2, 3], fn(1, (v) => v === 2)])).toBe(2);
    expect(invoke('single', [[7]])).toBe(7);
    expect(codeOf(() => invoke('single', [[1, 2, 3], fn(1, (v) => (v as number) > 1)]))).toBe(
      'D3138',
    );
    expect(codeOf(() => invoke('single', [[1, 2, 3], fn(1, (v) => (v as number) > 5)]))).toBe(
      'D3139',
    );
  });
});

describe('$eval', () => {
  it('evaluates through the core, against the context item by default', () => {
    const calls: unknown[][] = [];
    const context = fakeContext({
      input: { a: 1 },
      evaluate: (...args) => (calls.push(args), 'done'),
    });
    expect(invoke('eval', ['a'], context)).toBe('done');
    expect(calls[0]?.slice(0, 2)).toEqual(['a', { a: 1 }]);
  });

  it('wraps a JSON array focus so that it is one input item', () => {
    let input: unknown;
    const context = fakeContext({ evaluate: (_expression, focus) => ((input = focus), undefined) });
    invoke('eval', ['$', [1, 2]], context);
    expect(isSequence(input) && input.outerWrapper).toBe(true);
  });

  it('reports syntax errors as D3120 and evaluation errors as D3121, limits untouched', () => {
    const failing = (code: string) =>
      fakeContext({
        evaluate: () => {
          throw new ExpressionError(code, 'inner');
        },
      });
    expect(codeOf(() => invoke('eval', ['x'], failing('S0201')))).toBe('D3120');
    expect(codeOf(() => invoke('eval', ['x'], failing('T1006')))).toBe('D3121');
    expect(codeOf(() => invoke('eval', ['x'], failing('U1001')))).toBe('U1001');
    expect(invoke('eval', [undefined])).toBeUndefined();
  });
});
