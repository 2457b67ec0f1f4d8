import { TransformError } from './errors.js';
import { readNdjson } from './ndjson-reader.js';
import { writeNdjson } from './ndjson-writer.js';

async function collect(records: AsyncIterable<unknown> | Iterable<unknown>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of writeNdjson(records)) lines.push(line);
  return lines;
}

async function failure(records: Iterable<unknown>): Promise<{ error: unknown; written: string[] }> {
  const written: string[] = [];
  try {
    for await (const line of writeNdjson(records)) written.push(line);
  } catch (error) {
    return { error, written };
  }
  throw new Error('expected writeNdjson to fail');
}

describe('writeNdjson', () => {
  it('writes one line per record, each ending in a single newline', async () => {
    const lines = await collect([{ a: 1 }, [1, 'two'], 'text', 3, null, true]);
    expect(lines).toEqual(['{"a":1}\n', '[1,"two"]\n', '"text"\n', '3\n', 'null\n', 'true\n']);
  });

  it('keeps newlines inside values escaped, so a record never spans lines', async () => {
    const [line] = await collect([{ text: 'a\nb\r\nc\u2028d' }]);
    expect(line!.indexOf('\n')).toBe(line!.length - 1);
    expect(line).not.toContain('\r');
  });

  it('reads back what it wrote, from sync and async sources', async () => {
    const records = [
      { name: 'Zoë', tags: ['😀', '漢字'], nested: { n: -1.5e-7, empty: {} } },
      [],
      'x',
    ];
    async function* asyncRecords(): AsyncGenerator<unknown> {
      yield* records;
    }
    for (const source of [records, asyncRecords()]) {
      const results = [];
      for await (const result of readNdjson(writeNdjson(source)))
        results.push(result.ok ? result.record : result.reason);
      expect(results).toEqual(records);
    }
  });

  it('uses toJSON and leaves out undefined object properties, as JSON does', async () => {
    const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(await collect([{ when, missing: undefined, kept: 1 }])).toEqual([
      '{"when":"2024-01-02T03:04:05.000Z","kept":1}\n',
    ]);
  });

  it.each([
    [
      'a BigInt',
      { id: 1, amount: 10n },
      'record 2: a BigInt is not JSON-representable (at key "amount")',
    ],
    ['a top-level BigInt', 10n, 'record 2: a BigInt is not JSON-representable'],
    [
      'a function',
      { callback: () => 1 },
      'record 2: a function is not JSON-representable (at key "callback")',
    ],
    ['a symbol', [Symbol('s')], 'record 2: a symbol is not JSON-representable (at index 0)'],
    [
      'NaN',
      { ratio: Number.NaN },
      'record 2: the number NaN is not JSON-representable (at key "ratio")',
    ],
    [
      'Infinity',
      [1, Number.NEGATIVE_INFINITY],
      'record 2: the number -Infinity is not JSON-representable (at index 1)',
    ],
    [
      'a Map',
      { lookup: new Map([['a', 1]]) },
      'record 2: a Map is not JSON-representable (at key "lookup")',
    ],
    ['a Set', new Set([1]), 'record 2: a Set is not JSON-representable'],
    ['undefined as a record', undefined, 'record 2: undefined is not JSON-representable'],
    [
      'undefined in an array',
      [1, undefined],
      'record 2: undefined is not JSON-representable (at index 1)',
    ],
  ])('fails clearly on %s, after writing the records before it', async (_label, bad, message) => {
    const { error, written } = await failure([{ fine: true }, bad, { never: 'reached' }]);
    expect(written).toEqual(['{"fine":true}\n']);
    expect(TransformError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'not_json_serializable', message });
  });

  it('fails clearly on a cycle', async () => {
    const loop: Record<string, unknown> = { secret: 'do-not-echo' };
    loop.self = loop;
    const { error } = await failure([loop]);
    expect(error).toMatchObject({
      code: 'not_json_serializable',
      message: 'record 1: contains a circular reference',
    });
    expect((error as Error).message).not.toContain('do-not-echo');
  });

  it('keeps a throwing toJSON as the cause, out of the message', async () => {
    const original = new Error('token=abc123');
    const { error } = await failure([
      {
        toJSON: () => {
          throw original;
        },
      },
    ]);
    expect(error).toMatchObject({
      code: 'not_json_serializable',
      message: 'record 1: could not be serialized',
    });
    expect((error as Error).cause).toBe(original);
  });

  it('rejects a source that is not iterable', () => {
    for (const source of [null, 42, {}, 'a string is iterable but not a record source']) {
      let error: unknown;
      try {
        writeNdjson(source as unknown as Iterable<unknown>);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toMatchObject({ code: 'invalid_source' });
    }
  });
});
