import { type CsvReadOptions, type CsvWriteOptions, readCsv, writeCsv } from './index.js';
import { chunksOf, collect, failure, join, records } from '../text/streams.spec.js';

const write = (rows: unknown[], options?: CsvWriteOptions): Promise<string> =>
  join(writeCsv(rows, options));

async function roundTrip(
  rows: Record<string, unknown>[],
  options: CsvWriteOptions & CsvReadOptions = {},
): Promise<unknown[]> {
  const text = await write(rows, options);
  return records(await collect(readCsv(chunksOf([text]), options)));
}

describe('writeCsv', () => {
  it('writes a header and rows, quoting only the cells that need it', async () => {
    const text = await write([
      { id: 1, name: 'plain', note: 'a,b', quote: 'say "hi"', multi: 'x\ny', pad: ' lead' },
      { id: 2, name: null, note: undefined, quote: '', multi: true, pad: 'trail ' },
    ]);
    expect(text).toBe(
      'id,name,note,quote,multi,pad\r\n' +
        '1,plain,"a,b","say ""hi""","x\ny"," lead"\r\n' +
        '2,,,,true,"trail "\r\n',
    );
  });

  it('round-trips awkward text in every dialect', async () => {
    const rows = [
      { a: 'comma, "quote" and \\ backslash', b: 'line\r\nbreak\rcr', c: "it's; tab\there" },
      { a: '', b: ' spaced ', c: 'é😀' },
    ];
    const dialects: (CsvWriteOptions & CsvReadOptions)[] = [
      {},
      { delimiter: ';', lineEnding: 'lf' },
      { delimiter: '\t', quote: "'", lineEnding: 'cr' },
      { escape: 'backslash', delimiter: '|' },
      { quoteAll: true },
    ];
    for (const dialect of dialects) expect(await roundTrip(rows, dialect)).toEqual(rows);
  });

  it('writes the given columns in order, without a header when asked', async () => {
    expect(
      await write([{ b: 2, a: 1, c: 3 }], { columns: ['a', 'b'], header: false, lineEnding: 'lf' }),
    ).toBe('1,2\n');
  });

  it('refuses nested values and keys the first record lacked, naming record and column', async () => {
    const nested = await failure(write([{ a: 1 }, { a: { deep: true } }]));
    expect([nested.code, nested.message]).toEqual([
      'not_representable',
      'record 2: column "a" holds an object, which a CSV cell cannot',
    ]);
    const array = await failure(write([{ a: [1] }]));
    expect(array.message).toBe('record 1: column "a" holds an array, which a CSV cell cannot');
    const symbol = await failure(write([{ a: Symbol('x') }]));
    expect(symbol.message).toBe('record 1: column "a" holds a symbol, which a CSV cell cannot');
    const extra = await failure(write([{ a: 1 }, { a: 2, b: 3 }]));
    expect(extra.message).toBe('record 2: key "b" is not one of the columns');
    const unquotable = await failure(write([{ a: 'x,y' }], { quote: '' }));
    expect(unquotable.code).toBe('not_representable');
  });

  it('protects against formula injection only when asked, and never changes numbers', async () => {
    const rows = [
      { f: '=HYPERLINK("x")', p: '+49 30 1', m: '-2', at: '@SUM(A1)', n: -5, ok: 'a=b' },
    ];
    expect(await write(rows, { protectFormulas: true, lineEnding: 'lf' })).toBe(
      `f,p,m,at,n,ok\n"'=HYPERLINK(""x"")",'+49 30 1,'-2,'@SUM(A1),-5,a=b\n`,
    );
    expect(await write(rows, { lineEnding: 'lf' })).toBe(
      'f,p,m,at,n,ok\n"=HYPERLINK(""x"")",+49 30 1,-2,@SUM(A1),-5,a=b\n',
    );
  });

  it('writes dates as ISO 8601 and checks its options', async () => {
    expect(await write([{ d: new Date(Date.UTC(2024, 0, 2)) }], { header: false })).toBe(
      '2024-01-02T00:00:00.000Z\r\n',
    );
    expect(() => writeCsv([], { lineEnding: 'nl' as 'lf' })).toThrow('lineEnding must be');
    expect(() => writeCsv([], { protectFormulas: 'yes' as unknown as boolean })).toThrow(
      'protectFormulas must be a boolean',
    );
    expect(() => writeCsv('a' as unknown as string[])).toThrow('iterable');
  });
});
