// The hot-path shortcuts (field paths, filter predicates against literals, plain name steps,
// literal-key grouping over arrays) must give exactly what the general evaluation gives. Data
// here is chosen to sit on every edge where a shortcut has to step aside: arrays mid-path,
// nested arrays, sequences, mixed types (comparison errors), missing fields, inherited keys.
import jsonata from 'jsonata';
import { ours, reference } from './differential.js';
import { compileExpression } from '../../src/index.js';

const records = [
  { id: 1, status: 'paid', amount: 150, city: 'Berlin', vip: true, tags: ['a', 'b'] },
  { id: 2, status: 'open', amount: 50, city: 'Paris', vip: false, tags: [] },
  { id: 3, status: 'paid', amount: 99.5, city: 'Berlin', vip: null, tags: ['c'] },
  { id: 4, status: ['paid'], amount: 300, city: ['Berlin', 'Paris'] },
  { id: 5, status: 'paid', amount: '200', nested: { deep: { value: 7 } } },
  { id: 6, amount: 120, nested: [{ deep: { value: 8 } }, { deep: { value: 9 } }] },
  { id: 7, status: null, amount: null, nested: { deep: [{ value: 10 }, { value: 11 }] } },
  [{ id: 8, status: 'paid', amount: 500 }],
  'a string item',
  42,
];

const clean = records.filter(
  (record) =>
    typeof record === 'object' &&
    !Array.isArray(record) &&
    typeof record.amount === 'number' &&
    typeof record.status === 'string',
);

describe('hot-path shortcuts give the reference results', () => {
  it.each([
    // filters: shortcut-friendly data, then data that makes them step aside
    ['items[status = "paid"].id', { items: clean }],
    ['items[status = "paid"].id', { items: records }],
    ['items["paid" = status].id', { items: records }],
    ['items[status != "paid"].id', { items: records }],
    ['items[vip = true].id', { items: records }],
    ['items[vip = null].id', { items: records }],
    ['items[vip != false].id', { items: records }],
    ['items[amount > 100].id', { items: clean }],
    ['items[amount >= 150].id', { items: clean }],
    ['items[100 < amount].id', { items: clean }],
    ['items[amount <= 99.5 or city = "Paris"].id', { items: clean }],
    ['items[status = "paid" and amount > 100].id', { items: clean }],
    ['items[status = "paid" and amount > 100].id', { items: records.slice(0, 4) }],
    ['items[amount > 100].id', { items: records }],
    ['items[status > "a"].id', { items: records }],
    ['items[status < "p"].id', { items: clean }],
    ['items[nested.deep.value = 8].id', { items: records }],
    ['items[nested.deep.value >= 7].id', { items: records }],
    ['items[city = "Berlin"].id', { items: records }],
    ['items[missing = "x"].id', { items: records }],
    ['items[missing > 1].id', { items: records }],
    ['items[constructor = "x"].id', { items: records }],
    ['items[status = "paid"]', { items: [{ status: 'paid' }] }],
    ['items[status = "paid"]', { items: { status: 'paid' } }],
    ['$count(items[status = "paid" and amount > 100])', { items: records }],
    ['$sum(items[status = "paid"].amount)', { items: clean }],
    ['$sum(items[status = "paid"].amount)', { items: records }],
    ['$max(items[city = "Berlin"].amount)', { items: clean }],
    ['$average(items[id > 0].amount)', { items: clean }],
    // name steps over mixed items
    ['items.id', { items: records }],
    ['items.tags', { items: records }],
    ['items.status', { items: records }],
    ['items.nested.deep.value', { items: records }],
    ['items.city[0]', { items: records }],
    ['items.(amount * 2)', { items: clean }],
    ['items.__proto__', { items: records }],
    ['[[1, 2], [3]].$', {}],
    ['$.items.id', { items: [[{ id: 1 }, { id: 2 }], { id: 3 }] }],
    // group-by with literal keys over arrays
    ['items{status: {"count": $count(id), "amount": $sum(amount)}}', { items: clean }],
    ['items{status: {"ids": id, "tags": tags}}', { items: clean }],
    ['items.{"id": id, "tags": tags}', { items: records }],
    ['items{"all": id, "n": $count(id)}', { items: records }],
    ['items{"all": $}', { items: [[1, 2], 3, [4]] }],
    ['items{"all": $}', { items: [[1, 2]] }],
    ['items{"one": $}', { items: [{ a: 1 }] }],
    ['items{"none": $count($)}', { items: [] }],
    ['[[1, 2], [3, 4]]{"all": $}', {}],
    // one signature seeing argument types change from call to call (its memo must follow)
    ['$map(items, function($v) { $string($v) })', { items: [1, 'a', true, null, [1], { a: 1 }] }],
    ['$map(items, function($v) { $count($v) })', { items: [1, 'a', [1, 2], [], { a: 1 }] }],
    ['$map(items, function($v) { $sum($v) })', { items: [[1, 2], 3, [], [4]] }],
    ['$map(items, function($v) { $sum($v) })', { items: [[1, 2], 3, ['a']] }],
    ['$map(items, function($v) { $substring($v, 1) })', { items: ['abc', 'de'] }],
    ['$map(items, function($v) { $substring($v, 1) })', { items: ['abc', 5] }],
    ['items.$round(amount, 1)', { items: clean }],
    ['items.$fromMillis(amount)', { items: clean }],
  ])('%s', async (source, input) => {
    expect(ours(source, input)).toEqual(await reference(source, input));
  });

  it('rounds as the reference does, half to even on the decimal value', async () => {
    const values = [
      1.005,
      2.675,
      0.125,
      0.375,
      1.5,
      2.5,
      -2.5,
      -0.125,
      123.456,
      1e-7,
      5e-16,
      0.1 + 0.2,
      1234567.891,
      9007199254740.99,
      -1.005,
      0.045,
      1.0000000000000002,
    ];
    for (let i = 0; i < 400; i++) values.push(Math.round(Math.random() * 1e6) / 1000 - 300);
    for (const precision of [1, 2, 3, 5, 15]) {
      const source = `$map($values, function($v) { $round($v, ${precision}) })`;
      const expected = (await jsonata(source).evaluate(null, { values })) as number[];
      const actual = compileExpression(source).evaluate(null, { values }) as number[];
      expect([...actual]).toEqual([...expected]);
    }
  });

  it('formats dates with the default picture exactly as with the picture written out', () => {
    const picture = '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]';
    const both = compileExpression(`[$fromMillis($), $fromMillis($, "${picture}")]`);
    const instants = [
      0, 1, -1, 1700000000123, 1700000000123.7, -62135596800000, -62167219200000, 253402300799999,
      253402300800000, 951782400000, -8640000000000000, 8640000000000000,
    ];
    for (let i = 0; i < 300; i++) instants.push(Math.floor((Math.random() - 0.5) * 2e14));
    for (let i = 0; i < 300; i++) instants.push((Math.random() - 0.5) * 6e14);
    for (let i = 0; i < 100; i++) instants.push((Math.random() - 0.5) * 2e5);
    for (const millis of instants) {
      const [fast, general] = both.evaluate(millis) as string[];
      expect(fast).toBe(general);
      const year = new Date(millis).getUTCFullYear();
      if (year >= 0 && year <= 9999) expect(fast).toBe(new Date(millis).toISOString());
    }
  });
});
