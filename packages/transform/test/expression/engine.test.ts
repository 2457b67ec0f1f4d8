import jsonata from 'jsonata';
import {
  compileExpression,
  DEFAULT_LIMITS,
  ExpressionEngine,
  ExpressionError,
  isFunctionValue,
} from '../../src/index.js';

function errorOf(run: () => unknown): ExpressionError {
  try {
    run();
  } catch (error) {
    if (ExpressionError.is(error)) return error;
    throw error;
  }
  throw new Error('expected an ExpressionError');
}

const orders = {
  customer: { name: 'Ada', tier: 'gold' },
  orders: [
    {
      id: 1,
      lines: [
        { sku: 'A', qty: 2, price: 5 },
        { sku: 'B', qty: 1, price: 20 },
      ],
      status: 'paid',
    },
    { id: 2, lines: [{ sku: 'A', qty: 1, price: 5 }], status: 'open' },
    { id: 3, lines: [{ sku: 'C', qty: 4, price: 2.5 }], status: 'paid' },
  ],
};

describe('compileExpression', () => {
  it('compiles once and evaluates many inputs and bindings independently', () => {
    const expression = compileExpression('name & " " & $suffix');
    expect(expression.evaluate({ name: 'a' }, { suffix: '1' })).toBe('a 1');
    expect(expression.evaluate({ name: 'b' }, { suffix: '2' })).toBe('b 2');
    expect(expression.evaluate({ name: 'c' })).toBe('c ');
    expect(expression.source).toBe('name & " " & $suffix');
  });

  it('is synchronous: evaluate returns the value, not a promise', () => {
    const result = compileExpression('$sum(orders.lines.(qty * price))').evaluate(orders);
    expect(result).toBe(45);
  });

  // the same answers as the reference implementation, across the language's main features
  it.each([
    'orders.id',
    'orders[status = "paid"].lines.sku',
    'orders.lines[qty > 1].sku',
    'orders[0].lines[-1]',
    'orders{status: $count(id)}',
    'orders.{"id": id, "total": $sum(lines.(qty * price))}',
    'orders^(>id).id',
    'orders@$o.$o.lines[0].sku',
    'orders#$i[$i > 0].id',
    'orders.lines.(%.id & ":" & sku)',
    '**.sku',
    'customer.*',
    '[1..5][$ % 2 = 1]',
    '$map(orders, function($o, $i) { $o.id * $i })',
    '$reduce(orders.lines.qty, function($a, $b) { $a + $b })',
    '(orders.id) ~> $sum()',
    '$count(orders[status in ["paid", "void"]])',
    'customer.missing ?: "default"',
    'customer.missing ?? customer.name',
    'orders[id = 2] ? "two" : "none"',
    '$ ~> |orders|{"status": "done"}, ["lines"]|',
    '(function($n){ $n <= 1 ? 1 : $n * $self($n - 1) })',
    '( $f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(10) )',
    '$substring(?, 1)("weft")',
    '$string(orders[0]) ~> $length()',
    '[orders.id, [9, [10]]]',
    'orders.lines[]',
    '{"a": [orders.id]}',
    '$keys(customer)',
    '$replace("a-b-c", /-/, "+")',
  ])('%s gives the reference result', async (source) => {
    const expected = await jsonata(source).evaluate(orders);
    const actual = compileExpression(source).evaluate(orders);
    if (isFunctionValue(actual)) {
      expect(typeof expected).toBe('object');
    } else {
      expect(JSON.parse(JSON.stringify(actual ?? null))).toEqual(
        JSON.parse(JSON.stringify(expected ?? null)),
      );
    }
  });

  it('builds objects without a prototype', () => {
    const result = compileExpression('{"a": 1, "b": {"c": 2}}').evaluate({}) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(result)).toBeNull();
    expect(Object.getPrototypeOf(result.b)).toBeNull();
  });

  it('reports type errors with the reference code, position and operator', () => {
    const error = errorOf(() => compileExpression('1 + "a"').evaluate(null));
    expect(error.code).toBe('T2002');
    expect(error.token).toBe('+');
    expect(error.position).toBe(3);
    expect(errorOf(() => compileExpression('$foo()').evaluate(null)).code).toBe('T1006');
    expect(errorOf(() => compileExpression('uppercase("a")').evaluate(null)).code).toBe('T1005');
    expect(errorOf(() => compileExpression('{"a": 1, "a": 2}').evaluate(null)).code).toBe('D1009');
  });

  it('runs tail-recursive lambdas without growing the stack', () => {
    const loop = compileExpression(
      '( $count := function($n, $acc){ $n = 0 ? $acc : $count($n - 1, $acc + 1) }; $count(100000, 0) )',
      { maxDepth: 50, timeLimitMs: 10_000 },
    );
    expect(loop.evaluate(null)).toBe(100000);
  });

  it('rejects invalid options', () => {
    expect(errorOf(() => compileExpression('1', { timeLimitMs: 0 })).code).toBe('invalid_option');
    expect(errorOf(() => compileExpression('1', { maxDepth: Number.NaN })).code).toBe(
      'invalid_option',
    );
    expect(DEFAULT_LIMITS).toEqual({
      timeLimitMs: 1000,
      maxDepth: 1000,
      maxOutputSize: 10_000_000,
    });
  });
});

describe('limits', () => {
  it('stops runaway recursion with U1001', () => {
    const error = errorOf(() =>
      compileExpression('( $f := function($n){ 1 + $f($n + 1) }; $f(0) )', {
        maxDepth: 200,
      }).evaluate(null),
    );
    expect(error.code).toBe('U1001');
    expect(error.message).toMatch(/deeper than 200/);
  });

  it('stops a loop that runs past the time limit with U1001', () => {
    const started = Date.now();
    const error = errorOf(() =>
      compileExpression('( $f := function(){ $f() }; $f() )', { timeLimitMs: 100 }).evaluate(null),
    );
    expect(error.code).toBe('U1001');
    expect(error.message).toMatch(/timeout after 100 milliseconds/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('bounds strings and ranges by maxOutputSize with U1002', () => {
    const doubling =
      '( $d := function($s, $n){ $n = 0 ? $s : $d($s & $s, $n - 1) }; $d("ab", 30) )';
    expect(
      errorOf(() => compileExpression(doubling, { maxOutputSize: 100_000 }).evaluate(null)).code,
    ).toBe('U1002');
    expect(
      errorOf(() => compileExpression('[1..200000]', { maxOutputSize: 100_000 }).evaluate(null))
        .code,
    ).toBe('U1002');
    expect(
      compileExpression('$count([1..100000])', { maxOutputSize: 100_000 }).evaluate(null),
    ).toBe(100000);
  });

  it('applies the same limits inside $eval', () => {
    const error = errorOf(() =>
      compileExpression('$eval("( $f := function(){ $f() }; $f() )")', {
        timeLimitMs: 100,
      }).evaluate(null),
    );
    expect(error.code).toBe('U1001');
  });
});

describe('registered functions', () => {
  it('adds functions with signatures, validated before the call', () => {
    const engine = new ExpressionEngine().registerFunction('greet', {
      signature: '<s-n?:s>',
      implementation: ([name, times]) =>
        `hello ${String(name)}`.repeat((times as number | undefined) ?? 1),
    });
    expect(engine.compile('$greet("ada")').evaluate(null)).toBe('hello ada');
    expect(engine.compile('name.$greet()').evaluate({ name: 'bob' })).toBe('hello bob');
    expect(engine.compile('$greet("x", 2)').evaluate(null)).toBe('hello xhello x');
    const error = errorOf(() => engine.compile('$greet("x", "y")').evaluate(null));
    expect(error.code).toBe('T0410');
    expect(error.token).toBe('greet');
  });

  it('gives functions a CallContext that can call JSONata lambdas', () => {
    const twice = compileExpression('$twice(function($x){ $x * 3 }, 2)', {
      functions: {
        twice: {
          signature: '<fn:n>',
          implementation: ([fn, x], context) => context.apply(fn, [context.apply(fn, [x])]),
        },
      },
    });
    expect(twice.evaluate(null)).toBe(18);
  });

  it('refuses bad names and signatures at registration', () => {
    const engine = new ExpressionEngine();
    expect(
      errorOf(() => engine.registerFunction('no-dash', { implementation: () => 1 })).code,
    ).toBe('invalid_option');
    expect(
      errorOf(() =>
        engine.registerFunction('bad', { signature: '<n<n>>', implementation: () => 1 }),
      ).code,
    ).toBe('S0401');
  });
});
