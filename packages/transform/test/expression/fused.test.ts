// Fused aggregation (`$sum(items[p].x)` and kin run as one loop, evaluator/aggregates.ts) must
// give exactly what the reference gives, including every case where the loop has to step
// aside: arrays mid-path, nested arrays, mixed types, missing values, errors, and `$sum` and
// friends rebound by the user or registered over by the host.
import jsonata from 'jsonata';
import { ours, reference } from './differential.js';
import { compileExpression } from '../../src/index.js';

const clean = Array.from({ length: 40 }, (_, i) => ({
  id: i,
  status: ['open', 'paid', 'void'][i % 3],
  amount: (i * 7.31) % 200,
  quantity: i % 5,
  unitPrice: 0.1 + (i % 7) / 10,
  city: i % 2 ? 'Berlin' : 'Paris',
  score: i % 10,
}));

const awkward = [
  { id: 1, status: 'paid', amount: 150, quantity: 2, unitPrice: 3 },
  { id: 2, status: 'paid', amount: [120, 130], quantity: 1, unitPrice: 2 },
  { id: 3, status: 'paid', amount: '200', quantity: 1, unitPrice: 1 },
  { id: 4, status: 'paid', amount: null },
  { id: 5, status: ['paid'], amount: 300 },
  { id: 6, status: 'paid' },
  [{ id: 7, status: 'paid', amount: 500 }],
  'a string item',
  42,
  null,
  { id: 8, status: 'paid', amount: 110, quantity: [1, 2], unitPrice: 2 },
  { id: 9, status: 'paid', amount: 120, quantity: 'x', unitPrice: 2 },
];

const shapes = [
  '$count(items)',
  '$count(items[status = "paid"])',
  '$count(items[status = "paid" and amount > 100])',
  '$sum(items.amount)',
  '$sum(items[status = "paid"].amount)',
  '$sum(items[status = "paid" and amount > 100].(quantity * unitPrice))',
  '$max(items[status = "paid"].amount)',
  '$min(items[status = "paid"].amount)',
  '$average(items[city = "Berlin"].score)',
  '$average(items[status = "paid"][amount > 100].amount)',
  '$count(items[status = "paid"].id)',
  // every comparison, on the boundaries the awkward records hold (150, 110, 120)
  '$count(items[amount < 150])',
  '$count(items[amount <= 150])',
  '$count(items[amount > 150])',
  '$count(items[amount >= 150])',
  '$count(items[150 > amount])',
  '$count(items[110 <= amount])',
  '$count(items[status != "paid"])',
  '$count(items[status = "paid" or amount < 120])',
  '$count(items[status < "paid"])',
];

describe('fused aggregates give the reference results', () => {
  it.each(shapes)('%s over clean records, over none, and over a single record', async (source) => {
    for (const input of [
      { items: clean },
      { items: [] },
      { items: clean[1] },
      {},
      { items: [clean[1]] },
    ]) {
      expect(ours(source, input)).toEqual(await reference(source, input));
    }
  });

  it.each(shapes)('%s over every awkward record', async (source) => {
    // each awkward record alone among clean ones, so each edge decides the result on its own
    for (const odd of awkward) {
      const input = { items: [...clean.slice(0, 6), odd, ...clean.slice(6, 9)] };
      expect({ odd, result: ours(source, input) }).toEqual({
        odd,
        result: await reference(source, input),
      });
    }
  });

  it.each([
    'items{status: {"n": $count(id), "s": $sum(amount), "m": $max(amount), "a": $average(amount)}}',
    'items{"all": {"n": $count(amount), "low": $min(amount)}}',
  ])('%s: one field of each grouped item, with every awkward record', async (source) => {
    for (const odd of awkward) {
      const input = { items: [...clean.slice(0, 6), odd, ...clean.slice(6, 9)] };
      expect({ odd, result: ours(source, input) }).toEqual({
        odd,
        result: await reference(source, input),
      });
    }
  });

  it.each([
    ['$sum(amount)', [{ amount: 1 }, { amount: [2, 3] }, { other: 4 }, 'x', null, { amount: 5 }]],
    ['$sum(amount)', [{ amount: 1 }, [{ amount: 2 }]]],
    ['$sum(amount)', [{ amount: 1 }, { amount: [[2], 3] }]],
    ['$count(amount)', [{ amount: 1 }, { amount: [null, 'a'] }, { amount: {} }]],
    ['$max(amount)', [{ amount: 1 }, { amount: '2' }]],
    [
      '$sum(orders.lines.price)',
      { orders: [{ lines: [{ price: 1 }, { price: 2 }] }, { lines: { price: 3 } }] },
    ],
    ['$sum(orders.lines.price)', { orders: [{ lines: [[{ price: 1 }], { price: 2 }] }] }],
    ['$sum(orders.lines.price)', { orders: [{ lines: [{ price: [1, 2] }, { price: 3 }] }] }],
    ['$sum(orders.lines.price)', { orders: { lines: { price: [[1], [2]] } } }],
    ['$count(orders.lines)', { orders: [{ lines: [1, 2, [3, 4]] }] }],
    ['$count(orders.lines)', { orders: [{ lines: [1, 2] }, { lines: [[3, 4]] }] }],
    ['$count(orders.lines)', { orders: { lines: [[1, 2]] } }],
    ['$sum(orders[total > 1].total)', { orders: [{ total: 2 }, { total: 'x' }, { total: 3 }] }],
    [
      '$sum(orders[tag = "a"].total)',
      {
        orders: [
          { tag: 'a', total: 2 },
          { tag: ['a'], total: 3 },
        ],
      },
    ],
    ['$max(values)', { values: [3, 1, 2] }],
    ['$max(values)', { values: [-0, 0] }],
    ['$min(values)', { values: [0, -0] }],
    ['$max(values)', { values: [] }],
    ['$sum(values)', { values: [1, true] }],
    ['$sum(values)', { values: [1, null] }],
    ['$count(values)', { values: [1, null, 'a', { a: 1 }, true] }],
    [
      '$sum(values.(a / b))',
      {
        values: [
          { a: 1, b: 2 },
          { a: 1, b: 0 },
        ],
      },
    ],
    ['$sum(values.(a & b))', { values: [{ a: 1, b: 2 }] }],
    ['$sum(values.(a.b))', { values: [{ a: { b: 1 } }, { a: [{ b: 2 }, { b: 3 }] }] }],
    ['$sum(values.([a]))', { values: [{ a: 1 }, { a: 2 }] }],
    ['$sum(values.(x + $))', { values: [{ x: 1 }] }],
    ['$count(values.(nothing))', { values: [{ a: 1 }] }],
    ['$sum(items[amount > 1].(amount + status))', { items: [{ amount: 2, status: 'x' }] }],
    ['$sum(items[status > 1].amount)', { items: [{ amount: 2, status: 'x' }] }],
    ['$sum(items.constructor)', { items: [{ amount: 2 }] }],
    ['$count(items.__proto__)', { items: [{ amount: 2 }] }],
    ['$sum(a.b.c)', { a: { b: { c: 1 } } }],
    ['$sum(a.b.c)', { a: [{ b: [{ c: 1 }, { c: 2 }] }, { b: { c: [3, 4] } }] }],
    ['$sum(a.b.c)', 'not an object'],
    ['$sum(a.b.c)', [{ a: { b: { c: 1 } } }, { a: { b: { c: 2 } } }]],
    // rebound by the user: not the library function any more
    ['($sum := function($x) { 42 }; $sum(items.amount))', { items: [{ amount: 1 }] }],
    ['($count := $sum; $count(items.amount))', { items: [{ amount: 5 }, { amount: 6 }] }],
    ['(items.($sum := $max; $sum(amount)))', { items: [{ amount: [5, 7] }] }],
    [
      '$map([1, 2], function($v) { $sum(items[amount > $v].amount) })',
      { items: [{ amount: 1 }, { amount: 3 }] },
    ],
  ])('%s on %j', async (source, input) => {
    expect(ours(source, input)).toEqual(await reference(source, input));
  });

  it('agrees with the general evaluation on random data', async () => {
    // a small seeded generator, so a failure can be replayed
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(choices: readonly T[]): T =>
      choices[Math.floor(random() * choices.length)] as T;
    const value = (): unknown =>
      pick([
        () => Math.floor(random() * 200),
        () => random() * 10,
        () => 'paid',
        () => null,
        () => [1, 2],
        () => undefined,
      ])();
    for (let round = 0; round < 30; round++) {
      const items = Array.from({ length: 12 }, () => {
        const item: Record<string, unknown> = {};
        for (const key of ['status', 'amount', 'quantity']) {
          const v = value();
          if (v !== undefined) item[key] = v;
        }
        return random() < 0.1 ? [item] : item;
      });
      for (const source of shapes) {
        // a block around the argument is not fused: the general evaluation of the same thing
        const general = source.replace(/\$(\w+)\((.*)\)$/, '$$$1(($2))');
        expect({ source, items, result: ours(source, { items }) }).toEqual({
          source,
          items,
          result: ours(general, { items }),
        });
      }
      const source = pick(shapes);
      expect(ours(source, { items })).toEqual(await reference(source, { items }));
    }
  });

  it.each([
    // call sites specialised to the library function they resolve to: context fills, type
    // mismatches, optional arguments, wrong counts, rebinding, sequences as arguments
    ['items.$string()', { items: [1, 'a', true, null, { a: 1 }, [1, 2]] }],
    ['items.$uppercase()', { items: ['a', 'b'] }],
    ['items.$uppercase()', { items: ['a', 5] }],
    ['items.$substring(2)', { items: ['abcdef', 'xyz'] }],
    ['items.$substring(1, 2)', { items: ['abcdef', 'xyz'] }],
    ['items.$substring($, 1, 2)', { items: ['abcdef', 'xyz'] }],
    ['$substring(items, 1)', { items: ['abcdef', 'xyz'] }],
    ['$substring(5, 1)', {}],
    ['$substring("abc", "1")', {}],
    ['$substring()', 'context'],
    ['$uppercase(missing)', {}],
    ['$uppercase(a, b)', { a: 'x', b: 'y' }],
    ['$round(items, 1)', { items: [1.25] }],
    ['$round(items, 1)', { items: 1.25 }],
    ['$round(items)', { items: [1.5, 2.5] }],
    ['$join(items, ",")', { items: ['a', 'b'] }],
    ['$join(items, ",")', { items: 'a' }],
    ['$join(items, ",")', { items: ['a', 1] }],
    ['$join(items)', { items: [] }],
    ['$count(items)', { items: [1, [2, 3]] }],
    ['$sum(items)', { items: 5 }],
    ['$number(items)', { items: ['1', '2'] }],
    ['$boolean(items)', { items: [0, 1] }],
    ['$fromMillis(items)', { items: [0, 1000] }],
    ['$replace(a, "-", "")', { a: 'a-b-c' }],
    ['$replace(a, "-")', { a: 'a-b-c' }],
    ['($uppercase := $lowercase; $uppercase("AbC"))', {}],
    ['($string := function($x) { "mine" }; items.$string())', { items: [1, 2] }],
    ['items.($trim := $uppercase; $trim(" a "))', { items: [1] }],
    ['$map(items, $uppercase)', { items: ['a', 'b'] }],
    ['items ~> $count()', { items: [1, 2, 3] }],
    ['items ~> $sum()', { items: [1, 2, 3] }],
    ['($f := $uppercase ~> $trim; $f(" a "))', {}],
    ['$substringAfter(ref, "-")', { ref: 'R-1-2' }],
  ])('library call %s on %j', async (source, input) => {
    expect(ours(source, input)).toEqual(await reference(source, input));
  });

  it('sees no fields on function values, in filters and folds as in the general path', () => {
    // function values carry own properties (kind, native, …) that must stay invisible
    const bindings = { items: [] as unknown[] };
    const values = compileExpression('[$uppercase, $sum, {"kind": "native", "n": 1}]').evaluate(
      null,
    ) as unknown[];
    bindings.items = [...values];
    for (const [fast, general] of [
      ['$items[kind = "native"]', '$items[(kind = "native")]'],
      ['$items[kind != "x"]', '$items[(kind != "x")]'],
      ['$count($items[kind = "native"])', '$count(($items[kind = "native"]))'],
      ['$count($items.kind)', '$count(($items.kind))'],
      ['$sum($items[kind = "native"].n)', '$sum(($items[(kind = "native")].n))'],
    ] as const) {
      const ours = compileExpression(fast).evaluate(null, bindings);
      const expected = compileExpression(general).evaluate(null, bindings);
      expect(JSON.stringify(ours)).toBe(JSON.stringify(expected));
    }
    const kept = compileExpression('$count($items[kind = "native"])').evaluate(null, bindings);
    expect(kept).toBe(1);
  });

  it('keeps `$$` the input at the root, over a host binding named `$`, as the reference does', async () => {
    const source = '[$$.a, $$, $x, $count($$), ($y := $$; $y.a)]';
    const input = { a: 1 };
    const bindings = { $: 5, x: 2 };
    const expected = await jsonata(source).evaluate(input, bindings);
    expect(JSON.stringify(compileExpression(source).evaluate(input, bindings))).toBe(
      JSON.stringify(expected),
    );
    const array = [1, 2];
    expect(JSON.stringify(compileExpression('$$').evaluate(array))).toBe(
      JSON.stringify(await jsonata('$$').evaluate(array)),
    );
  });

  it('uses a function registered over a library name, never the fused library loop', () => {
    const expression = compileExpression('$sum(items[status = "paid"].amount)', {
      functions: {
        sum: {
          signature: '<a<n>:n>',
          implementation: ([values]) => (values as number[]).length * 1000,
        },
      },
    });
    expect(
      expression.evaluate({
        items: [
          { status: 'paid', amount: 1 },
          { status: 'paid', amount: 2 },
        ],
      }),
    ).toBe(2000);
    const upper = compileExpression('$uppercase(name)', {
      functions: {
        uppercase: { signature: '<s:s>', implementation: ([text]) => `<${String(text)}>` },
      },
    });
    expect(upper.evaluate({ name: 'a' })).toBe('<a>');
  });

  it('charges the time limit inside the fused loop', () => {
    const items = Array.from({ length: 200_000 }, (_, i) => ({ status: 'paid', amount: i }));
    const expression = compileExpression(
      '$sum($map([1..200], function($v) { $sum(items[status = "paid"].amount) }))',
      { timeLimitMs: 30 },
    );
    expect(() => expression.evaluate({ items })).toThrow(
      expect.objectContaining({ code: 'U1001' }),
    );
  });
});
