import jsonata from 'jsonata';
import { ExpressionError } from '../../src/index.js';
import { parse } from '../../src/expression/syntax/parser.js';
import type { Node } from '../../src/expression/syntax/ast.js';

function syntaxErrorOf(source: string): ExpressionError {
  try {
    parse(source);
  } catch (error) {
    if (ExpressionError.is(error)) return error;
    throw error;
  }
  throw new Error(`expected a syntax error for ${source}`);
}

function referenceError(source: string): { code: string; position: number; token?: unknown } {
  try {
    jsonata(source);
  } catch (error) {
    return error as { code: string; position: number; token?: unknown };
  }
  throw new Error(`the reference accepts ${source}`);
}

describe('parser', () => {
  it('flattens dotted names into one path of steps', () => {
    const tree = parse('Account.Order.Product');
    expect(tree.type).toBe('path');
    expect(tree.steps?.map((step) => [step.type, step.value])).toEqual([
      ['name', 'Account'],
      ['name', 'Order'],
      ['name', 'Product'],
    ]);
  });

  it('attaches predicates to their step as stages and keeps `[]` as keep-array', () => {
    const tree = parse('a.b[x > 1][0].c[]');
    const b = tree.steps?.[1] as Node;
    expect(b.stages?.map((stage) => stage.type)).toEqual(['filter', 'filter']);
    expect(b.stages?.[1]?.expr?.type).toBe('number');
    expect(tree.keepSingletonArray).toBe(true);
  });

  it('applies precedence: * before +, comparison before and, and before or', () => {
    const tree = parse('1 + 2 * 3 = 7 and true or false');
    expect(tree.value).toBe('or');
    expect(tree.lhs?.value).toBe('and');
    expect(tree.lhs?.lhs?.value).toBe('=');
    expect(tree.lhs?.lhs?.lhs?.value).toBe('+');
    expect(tree.lhs?.lhs?.lhs?.rhs?.value).toBe('*');
  });

  it('folds a negative number literal and keeps unary minus on expressions', () => {
    expect(parse('-5')).toMatchObject({ type: 'number', value: -5 });
    expect(parse('-x')).toMatchObject({ type: 'unary', value: '-' });
  });

  it('marks calls in tail position of a lambda body for the trampoline', () => {
    const tree = parse('function($n){ $n = 0 ? 0 : $f($n - 1) }');
    expect(tree.type).toBe('lambda');
    expect(tree.body?.type).toBe('condition');
    expect(tree.body?.else).toMatchObject({ type: 'lambda', thunk: true });
    expect(tree.body?.then?.type).toBe('number');
  });

  it('binds focus and index variables on a step and resolves parent references', () => {
    const tree = parse('Account.Order@$o#$i.Product.{"order": $o, "i": $i, "p": %.OrderID}');
    const order = tree.steps?.[1] as Node;
    expect(order.focus).toBe('o');
    expect(order.index).toBe('i');
    expect(order.tuple).toBe(true);
    // `%` inside the last step refers to Order: the Product step records its ancestor
    expect((tree.steps?.[2] as Node).ancestor?.label).toMatch(/^!/);
  });

  it('parses order-by, group-by, transform, regex, partial application and conditions', () => {
    expect(parse('a^(>b, c)').steps?.[1]).toMatchObject({
      type: 'sort',
      terms: [{ descending: true }, { descending: false }],
    });
    expect(parse('a{b: c}').group?.pairs).toHaveLength(1);
    expect(parse('| a | {"b": 1}, ["c"] |')).toMatchObject({ type: 'transform' });
    expect(parse('/ab+c/i').value).toEqual({ source: 'ab+c', flags: 'i' });
    expect(parse('$substring(?, 1)').type).toBe('partial');
    expect(parse('a ?: b').type).toBe('condition');
    expect(parse('a ?? b').condition).toMatchObject({
      type: 'function',
      procedure: { value: 'exists' },
    });
  });

  it('parses comments, backquoted names and escapes in strings', () => {
    expect(parse('/* note */ `a b`.c').steps?.[0]?.value).toBe('a b');
    expect(parse('"tab\\there \\u00e9"').value).toBe('tab\there é');
  });

  // positions and tokens are compared with the reference implementation itself
  it.each([
    ['"unterminated', 'S0101'],
    ['1e999', 'S0102'],
    ['"\\q"', 'S0103'],
    ['"\\u12"', 'S0104'],
    ['`name', 'S0105'],
    ['/* open', 'S0106'],
    ['a b', 'S0201'],
    ['(a; b', 'S0203'],
    ['[1, 2 3]', 'S0202'],
    ['function(a){1}', 'S0208'],
    ['$x{b: 1}[0]', 'S0209'],
    ['a{b: 1}{c: 2}', 'S0210'],
    [')', 'S0211'],
    ['a := 1', 'S0212'],
    ['a.1', 'S0213'],
    ['a@b', 'S0214'],
    ['a[0]@$x', 'S0215'],
    ['%', 'S0217'],
    ['//', 'S0301'],
    ['/abc', 'S0302'],
    ['λ($arg)<n<n>>{$arg}', 'S0401'],
    ['λ($arr)<(sa<n>)>>{$arr}', 'S0402'],
  ])('rejects %s with %s, at the position and token the reference reports', (source, code) => {
    const error = syntaxErrorOf(source);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
    const reference = referenceError(source);
    expect(reference.code).toBe(code);
    if (reference.position !== undefined) expect(error.position).toBe(reference.position);
    if (reference.token !== undefined) expect(error.token).toBe(String(reference.token));
  });

  it('reports the offending token', () => {
    expect(syntaxErrorOf('a b').token).toBe('b');
    expect(syntaxErrorOf(')').token).toBe(')');
  });
});
