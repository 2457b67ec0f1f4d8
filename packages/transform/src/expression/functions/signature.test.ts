import { ExpressionError } from '../contract.js';
import { fn } from './fake-call-context.spec.js';
import { parseSignature, validateArguments } from './signature.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ExpressionError.is(error) ? error.code : 'not an ExpressionError';
  }
  return undefined;
}

describe('validateArguments', () => {
  it('passes matching arguments through unchanged', () => {
    expect(validateArguments('<s-nn?:s>', ['hello', 1, 2], undefined, 'substring')).toEqual([
      'hello',
      1,
      2,
    ]);
  });

  it('fills a `-` parameter from the context item when the argument is missing', () => {
    expect(validateArguments('<s-:s>', [], 'context', 'uppercase')).toEqual(['context']);
    expect(validateArguments('<s-nn?:s>', [1], 'context', 'substring')).toEqual([
      'context',
      1,
      undefined,
    ]);
  });

  it('uses an explicitly missing argument rather than the context', () => {
    expect(validateArguments('<s-:s>', [undefined], 'context', 'uppercase')).toEqual([undefined]);
  });

  it('throws T0411 when the context item has the wrong type for a `-` parameter', () => {
    let thrown: unknown;
    try {
      validateArguments('<s-:s>', [], 42, 'uppercase');
    } catch (error) {
      thrown = error;
    }
    expect(ExpressionError.is(thrown) && thrown.code).toBe('T0411');
    expect(ExpressionError.is(thrown) && thrown.details.index).toBe(1);
    expect((thrown as Error).message).toBe(
      'Context value is not a compatible type with argument 1 of function uppercase',
    );
  });

  it('throws T0410 naming the first argument that does not match', () => {
    let thrown: unknown;
    try {
      validateArguments('<nn:a>', [1, '2'], undefined, 'pair');
    } catch (error) {
      thrown = error;
    }
    expect(ExpressionError.is(thrown) && [thrown.code, thrown.details.index, thrown.token]).toEqual(
      ['T0410', 2, 'pair'],
    );
    expect((thrown as Error).message).toBe(
      'Argument 2 of function pair does not match function signature',
    );
  });

  it('throws T0410 for extra arguments', () => {
    expect(codeOf(() => validateArguments('<nn:a>', [1, 3, 2], undefined, 'pair'))).toBe('T0410');
    expect(codeOf(() => validateArguments('<nn+:a>', [1, 3, 2, 'g'], undefined, 'pairs'))).toBe(
      'T0410',
    );
  });

  it('accepts one or more arguments for `+`', () => {
    expect(validateArguments('<a+>', [[1], [2], [3]], undefined, 'zip')).toEqual([[1], [2], [3]]);
  });

  it('wraps a non-array argument into an array for an `a` parameter', () => {
    expect(validateArguments('<a:a>', [5], undefined, 'reverse')).toEqual([[5]]);
    expect(validateArguments('<a:a>', [undefined], undefined, 'reverse')).toEqual([undefined]);
  });

  it('checks array item types (T0412) and accepts empty arrays', () => {
    expect(validateArguments('<a<n>:n>', [[1, 2]], undefined, 'sum')).toEqual([[1, 2]]);
    expect(validateArguments('<a<n>:n>', [[]], undefined, 'sum')).toEqual([[]]);
    expect(validateArguments('<a<n>:n>', [7], undefined, 'sum')).toEqual([[7]]);
    expect(codeOf(() => validateArguments('<a<n>:n>', [[1, '2']], undefined, 'sum'))).toBe('T0412');
    expect(codeOf(() => validateArguments('<a<n>:n>', [['1']], undefined, 'sum'))).toBe('T0412');
    expect(codeOf(() => validateArguments('<a<n>:n>', ['f'], undefined, 'sum'))).toBe('T0412');
  });

  it('says which item type was expected in T0412', () => {
    expect(() => validateArguments('<a<s>s?:s>', [[1]], undefined, 'join')).toThrow(
      'Argument 1 of function join must be an array of strings',
    );
  });

  it('accepts a choice of types', () => {
    expect(validateArguments('<s-(sf):b>', ['a', 'b'], undefined, 'contains')).toEqual(['a', 'b']);
    const matcher = fn(1, () => undefined);
    expect(validateArguments('<s-(sf):b>', ['a', matcher], undefined, 'contains')).toEqual([
      'a',
      matcher,
    ]);
    expect(codeOf(() => validateArguments('<s-(sf):b>', ['a', 1], undefined, 'contains'))).toBe(
      'T0410',
    );
  });

  it('distinguishes functions from other objects and any-JSON from any value', () => {
    const callback = fn(1, () => undefined);
    expect(codeOf(() => validateArguments('<af>', [[1], { a: 1 }], undefined, 'map'))).toBe(
      'T0410',
    );
    expect(validateArguments('<af>', [[1], callback], undefined, 'map')).toEqual([[1], callback]);
    expect(codeOf(() => validateArguments('<j>', [callback], undefined, 'json'))).toBe('T0410');
    expect(validateArguments('<x>', [callback], undefined, 'any')).toEqual([callback]);
    expect(validateArguments('<l>', [null], undefined, 'null')).toEqual([null]);
  });

  it('keeps the reference behaviour of consuming a slot for an unmatched optional parameter', () => {
    // `<n?s>` with one string: the optional number takes the slot of the string.
    expect(validateArguments('<n?s>', ['a'], undefined, 'odd')).toEqual(['a', undefined]);
  });

  it('caches parsed signatures without changing results', () => {
    const first = validateArguments('<n-n:n>', [2, 3], undefined, 'power');
    const second = validateArguments('<n-n:n>', [2, 3], undefined, 'power');
    expect(second).toEqual(first);
  });

  it('matches a hostile signature in polynomial time', () => {
    const signature = `<${'a+'.repeat(30)}s>`;
    const args = Array.from({ length: 40 }, () => 1);
    const started = Date.now();
    expect(codeOf(() => validateArguments(signature, args, undefined, 'hostile'))).toBe('T0410');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('parseSignature', () => {
  it('rejects a type parameter on anything but arrays and functions (S0401)', () => {
    expect(codeOf(() => parseSignature('<n<n>>'))).toBe('S0401');
  });

  it('rejects parameterized types inside a choice (S0402)', () => {
    expect(codeOf(() => parseSignature('<(sa<n>)>'))).toBe('S0402');
  });

  it('accepts function subtypes and ignores the return type', () => {
    const parsed = parseSignature('<f<n:n>n:n>');
    const callback = fn(1, () => 1);
    expect(parsed.definition).toBe('<f<n:n>n:n>');
    expect(parsed.validate([callback, 2], undefined)).toEqual([callback, 2]);
  });
});
