import { readJsonArray, writeJsonArray } from './index.js';
import {
  chunksOf,
  collect,
  everySplit,
  failure,
  join,
  records,
  trackedSource,
} from '../text/streams.spec.js';
import { fixture } from '../text/fixtures.spec.js';

const read = async (
  parts: (string | Uint8Array)[],
  options?: Parameters<typeof readJsonArray>[1],
) => records(await collect(readJsonArray(chunksOf(parts), options)));

describe('readJsonArray', () => {
  it('streams the elements of a top-level array with their starting line, wherever the bytes are cut', async () => {
    const text =
      '\ufeff[\n {"a": "x,]}\\"\\\\", "b": [1, {"c": null}]},\n  -1.5e3, "s\\u00e9😀", true,\n null, [] ,{}\n]\n';
    const expected = [{ a: 'x,]}"\\', b: [1, { c: null }] }, -1500, 'sé😀', true, null, [], {}];
    const results = await collect(readJsonArray(chunksOf([text])));
    expect(results.map((r) => r.line)).toEqual([2, 3, 3, 3, 4, 4, 4]);
    for (const parts of everySplit(text)) expect(await read(parts)).toEqual(expected);
  });

  it('finds the array at a path of object keys, skipping other members', async () => {
    const text =
      '{"meta": {"items": [9]}, "data": {"count": 2, "rows": [{"id": 1}, {"id": 2}], "after": [3]}, "z": 1}';
    for (const path of ['$.data.rows', 'data.rows']) {
      for (const parts of everySplit(text))
        expect(await read(parts, { path })).toEqual([{ id: 1 }, { id: 2 }]);
    }
    expect(await read(['{"items": []}'], { path: '$.items' })).toEqual([]);
  });

  it('keeps __proto__ as an ordinary key of an element', async () => {
    const [element] = (await read(['[{"__proto__": {"polluted": 1}}]'])) as object[];
    expect(Object.keys(element!)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('fails an element over the size limit and reads on', async () => {
    const text = `[1, "${'x'.repeat(50)}", {"k": [${'1,'.repeat(30)}1]}, 2]`;
    for (const parts of [[text], ...everySplit(text)].slice(0, 40)) {
      expect(await read(parts, { maxElementBytes: 20 })).toEqual([
        1,
        { failed: 1, reason: 'line 1, column 5: element 2 exceeds 20 bytes' },
        { failed: 1, reason: 'line 1, column 59: element 3 exceeds 20 bytes' },
        2,
      ]);
    }
  });

  it('throws limit_exceeded for 10,000 levels of nesting, naming line and column', async () => {
    const deep = `[${'['.repeat(10_000)}${']'.repeat(10_000)}]`;
    const error = await failure(collect(readJsonArray(chunksOf([deep]))));
    expect([error.code, error.message]).toEqual([
      'limit_exceeded',
      'line 1, column 257: nesting deeper than 256 levels',
    ]);
    const objects = `{"a":${'{"a":'.repeat(10_000)}`;
    const inPath = await failure(collect(readJsonArray(chunksOf([objects]), { path: 'a.b' })));
    expect(inPath.code).toBe('limit_exceeded');
  });

  it('throws malformed_input with line and column for invalid JSON', async () => {
    const cases: [string, string, object?][] = [
      ['[1,\n 2,, 3]', 'line 2, column 4: unexpected ","'],
      ['[1, {"a": tru}]', 'line 1, column 11: unexpected "t"'],
      ['[1, 2', 'line 1, column 6: unexpected end of input'],
      ['[1, "open', 'line 1, column 10: unexpected end of input'],
      ['[1] 2', 'line 1, column 5: unexpected data after the JSON document'],
      ['{"a": 1}', 'line 1, column 1: the value at the root is not an array'],
      ['', 'line 1, column 1: the input is empty'],
      [
        '{"data": {"rows": 5}}',
        'line 1, column 19: the value at data.rows is not an array',
        { path: 'data.rows' },
      ],
      [
        '{"data": {}}',
        'line 1, column 13: the document has no array at data.rows',
        { path: 'data.rows' },
      ],
      ['[1 2]', 'line 1, column 4: unexpected "2"'],
      ['[\u0000]', 'line 1, column 2: unexpected character'],
    ];
    for (const [text, message, options] of cases) {
      const error = await failure(collect(readJsonArray(chunksOf([text]), options)));
      expect([error.code, error.message]).toEqual(['malformed_input', message]);
    }
  });

  it('releases the source when the consumer stops early, and checks options first', async () => {
    const { source, state } = trackedSource(function* () {
      yield '[';
      for (let i = 0; i < 1000; i++) yield `${i},`;
      yield '0]';
    });
    for await (const result of readJsonArray(source)) {
      expect(result).toEqual({ ok: true, line: 1, record: 0 });
      break;
    }
    expect(state.released).toBe(true);
    expect(() => readJsonArray(chunksOf([]), { maxDepth: 0 })).toThrow(
      'maxDepth must be a positive integer',
    );
    expect(() => readJsonArray(chunksOf([]), { path: 'a[0]' })).toThrow('path must be object keys');
  });
});

describe('writeJsonArray', () => {
  it('writes a compact or pretty array that reads back the same', async () => {
    const rows = [{ a: 1, b: ['x', { c: null }] }, 'text', 2];
    const compact = await join(writeJsonArray(rows));
    expect(compact).toBe('[{"a":1,"b":["x",{"c":null}]},"text",2]\n');
    const pretty = await join(writeJsonArray(rows, { pretty: true }));
    expect(pretty).toBe(
      '[\n  {\n    "a": 1,\n    "b": [\n      "x",\n      {\n        "c": null\n      }\n    ]\n  },\n  "text",\n  2\n]\n',
    );
    for (const text of [compact, pretty]) expect(await read([text])).toEqual(rows);
    expect(await join(writeJsonArray([]))).toBe('[]\n');
  });

  it('refuses values JSON cannot hold, naming the record', async () => {
    const error = await failure(join(writeJsonArray([{ a: 1 }, { b: 1n }])));
    expect([error.code, error.message]).toEqual([
      'not_json_serializable',
      'record 2: a BigInt is not JSON-representable (at key "b")',
    ]);
  });
});

describe('readJsonArray on a fixture file', () => {
  it('streams the orders out of an export envelope', async () => {
    const results = await collect(
      readJsonArray(fixture('json/orders-envelope.json'), { path: '$.data.orders' }),
    );
    expect(results).toEqual([
      {
        ok: true,
        line: 6,
        record: {
          id: 10001,
          customer: 'Müller; Anna',
          lines: [{ sku: 'A-1', qty: 2 }],
          note: null,
        },
      },
      {
        ok: true,
        line: 7,
        record: { id: 10002, customer: 'Ødegård AS', lines: [], note: 'two\nlines "quoted"' },
      },
    ]);
  });
});
