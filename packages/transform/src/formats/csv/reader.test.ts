import { type CsvReadOptions, readCsv } from './index.js';
import {
  chunksOf,
  collect,
  everySplit,
  failure,
  records,
  trackedSource,
} from '../text/streams.spec.js';

const read = async (text: string | Uint8Array[], options?: CsvReadOptions): Promise<unknown[]> =>
  records(
    await collect(
      readCsv(chunksOf<string | Uint8Array>(typeof text === 'string' ? [text] : text), options),
    ),
  );

describe('readCsv', () => {
  it('reads a header and records keyed by column name, in column order', async () => {
    const result = await collect(readCsv(chunksOf(['id,name,city\n1,Ann,Oslo\n2,Bo,Rome\n'])));
    expect(result).toEqual([
      { ok: true, line: 2, record: { id: '1', name: 'Ann', city: 'Oslo' } },
      { ok: true, line: 3, record: { id: '2', name: 'Bo', city: 'Rome' } },
    ]);
    expect(Object.keys((result[0] as { record: object }).record)).toEqual(['id', 'name', 'city']);
  });

  it('gives the same results wherever the bytes are cut', async () => {
    const text =
      '\ufeffid,note,price\r\n1,"multi\r\nline, with ""quotes""",3.5\r\n\r\n2,plain é😀,4\r\n3,"",\r\n4,"x" ,5';
    const expected = await read([new TextEncoder().encode(text)], { columns: undefined });
    expect(expected).toEqual([
      { id: '1', note: 'multi\r\nline, with "quotes"', price: '3.5' },
      { id: '2', note: 'plain é😀', price: '4' },
      { id: '3', note: '', price: '' },
      { failed: 7, reason: 'line 7, column 6: unexpected character after a closing quote' },
    ]);
    for (const parts of everySplit(text)) expect(await read(parts)).toEqual(expected);
  });

  it('numbers records by the line they start on, counting skipped, blank and multi-line rows', async () => {
    const text = 'title line\n# comment\na,b\n\n"1\n2",x\n# another\n3,y\n';
    const result = await collect(readCsv(chunksOf([text]), { skipLines: 1, comment: '#' }));
    expect(result.map((r) => r.line)).toEqual([5, 8]);
  });

  it('reads other dialects: tab, semicolon, single quotes, backslash escapes', async () => {
    expect(await read('a\tb\n1\t2\n', { delimiter: '\t' })).toEqual([{ a: '1', b: '2' }]);
    expect(await read("a;b\n'x;y';'it''s'\n", { delimiter: ';', quote: "'" })).toEqual([
      { a: 'x;y', b: "it's" },
    ]);
    expect(await read('a,b\n"say \\"hi\\"","back\\\\slash"\n', { escape: 'backslash' })).toEqual([
      { a: 'say "hi"', b: 'back\\slash' },
    ]);
    expect(await read('a,b\n"x",y\n', { quote: '' })).toEqual([{ a: '"x"', b: 'y' }]);
  });

  it('reads CR-only line endings, detected or declared', async () => {
    const text = 'a,b\r1,"x\ry"\r2,z\r';
    const expected = [
      { a: '1', b: 'x\ry' },
      { a: '2', b: 'z' },
    ];
    expect(await read(text)).toEqual(expected);
    expect(await read(text, { lineEnding: 'cr' })).toEqual(expected);
    for (const parts of everySplit(text)) expect(await read(parts)).toEqual(expected);
  });

  it('trims spaces and tabs around cells and quotes only when asked', async () => {
    expect(await read('a , b\n 1 ,\t"2 " \n', { trim: true })).toEqual([{ a: '1', b: '2 ' }]);
    expect(await read('a,b\n 1 , 2\n')).toEqual([{ a: ' 1 ', b: ' 2' }]);
  });

  it('converts typed columns and fails a record whose cell does not parse, naming line and field', async () => {
    const columns = [
      { name: 'n', type: 'number' },
      { name: 'i', type: 'integer' },
      { name: 'b', type: 'boolean' },
      { name: 'd', type: 'date' },
      { name: 't', type: 'datetime' },
      { name: 's', required: true },
    ] as const;
    const text = [
      'n,i,b,d,t,s',
      '-1.5e2,42,TRUE,2024-02-29,2024-02-29T23:59:59.5+01:00,x',
      ',,,,,y',
      '1,2.5,true,2024-01-01,2024-01-01T00:00Z,x',
      '1,2,true,2023-02-29,2024-01-01T00:00Z,x',
      '1,2,yes,2024-01-01,2024-01-01T00:00Z,x',
      '1e,2,true,2024-01-01,2024-01-01T00:00Z,x',
      '1,2,true,2024-01-01,2024-01-01T24:00,x',
      '1,99999999999999999,true,2024-01-01,2024-01-01,x',
      '1,2,false,2024-01-01,2024-01-01 10:00,',
    ].join('\n');
    expect(await read(text, { columns: [...columns] })).toEqual([
      { n: -150, i: 42, b: true, d: '2024-02-29', t: '2024-02-29T23:59:59.5+01:00', s: 'x' },
      { n: null, i: null, b: null, d: null, t: null, s: 'y' },
      { failed: 4, reason: 'line 4: field 2 ("i") is not an integer' },
      { failed: 5, reason: 'line 5: field 4 ("d") is not a date (YYYY-MM-DD)' },
      { failed: 6, reason: 'line 6: field 3 ("b") is not a boolean (true or false)' },
      { failed: 7, reason: 'line 7: field 1 ("n") is not a number' },
      { failed: 8, reason: 'line 8: field 5 ("t") is not a date-time (ISO 8601)' },
      { failed: 9, reason: 'line 9: field 2 ("i") is an integer outside the safe range' },
      { failed: 10, reason: 'line 10: field 6 ("s") is required' },
    ]);
  });

  it('reads null values and empty cells as asked', async () => {
    expect(await read('a,b\nNULL,\n', { nullValues: ['NULL'] })).toEqual([{ a: null, b: '' }]);
    expect(await read('a,b\nNULL,\n', { emptyAs: 'null' })).toEqual([{ a: 'NULL', b: null }]);
  });

  it('fails a record with the wrong number of fields and reads on', async () => {
    expect(await read('a,b\n1\n1,2,3\n4,5\n')).toEqual([
      { failed: 2, reason: 'line 2: expected 2 fields, found 1' },
      { failed: 3, reason: 'line 3: expected 2 fields, found 3' },
      { a: '4', b: '5' },
    ]);
  });

  it('names columns column1… without a header, or as given', async () => {
    expect(await read('1,2\n3,4\n', { header: false })).toEqual([
      { column1: '1', column2: '2' },
      { column1: '3', column2: '4' },
    ]);
    expect(await read('x,y\n1,2\n', { columns: ['a', 'b'] })).toEqual([{ a: '1', b: '2' }]);
    expect(await read('1,2\n', { header: false, columns: ['a', 'b'] })).toEqual([
      { a: '1', b: '2' },
    ]);
    expect(await read('a,b\n\n1,2\n', { skipEmptyLines: false })).toEqual([
      { failed: 2, reason: 'line 2: expected 2 fields, found 1' },
      { a: '1', b: '2' },
    ]);
  });

  it('keeps __proto__ and constructor as ordinary own keys', async () => {
    const [record] = (await read('__proto__,constructor,toString\n1,2,3\n')) as Record<
      string,
      unknown
    >[];
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record!)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toBe('1');
    expect(record!.constructor).toBe('2');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('throws malformed_input for a quote still open at the end, naming line and column', async () => {
    const text = 'a,b\n1,2\n3,"never\nclosed\n';
    for (const parts of everySplit(text)) {
      const error = await failure(collect(readCsv(chunksOf(parts))));
      expect([error.code, error.message]).toEqual([
        'malformed_input',
        'line 3, column 3: quoted field not closed before the end of input',
      ]);
    }
  });

  it('refuses a bad header: duplicate names, or a width other than the given columns', async () => {
    const duplicate = await failure(collect(readCsv(chunksOf(['a,b,a\n1,2,3\n']))));
    expect(duplicate.message).toBe('line 1: header columns 1 and 3 have the same name');
    const width = await failure(collect(readCsv(chunksOf(['a,b\n']), { columns: ['x'] })));
    expect(width.message).toBe('line 1: the header has 2 columns, the options name 1');
  });

  it('fails a cell or record over the limits and reads on, wherever the chunks are cut', async () => {
    const text = 'a,b\n1,"0123456789"\n2,0123456789\n"3",4\n5,6\n';
    const expected = [
      { failed: 2, reason: 'line 2: field 2 exceeds 8 bytes' },
      { failed: 3, reason: 'line 3: field 2 exceeds 8 bytes' },
      { a: '3', b: '4' },
      { a: '5', b: '6' },
    ];
    for (const parts of everySplit(text)) {
      expect(await read(parts, { maxFieldBytes: 8 })).toEqual(expected);
    }
    expect(await read('a,b\n1234,5678\n1,2\n', { maxRecordBytes: 8 })).toEqual([
      { failed: 2, reason: 'line 2: record exceeds 8 bytes' },
      { a: '1', b: '2' },
    ]);
    expect(await read('a\n"ééé"\n', { maxFieldBytes: 5 })).toEqual([
      { failed: 2, reason: 'line 2: field 1 exceeds 5 bytes' },
    ]);
  });

  it('releases the source when the consumer stops early', async () => {
    const { source, state } = trackedSource(function* () {
      yield 'a\n';
      for (let i = 0; i < 1000; i++) yield `${i}\n`;
    });
    for await (const result of readCsv(source)) {
      expect(result.ok).toBe(true);
      break;
    }
    expect(state.released).toBe(true);
    expect(state.pulled).toBeLessThan(10);
  });

  it('checks options and the source before reading', () => {
    const source = chunksOf([]);
    expect(() => readCsv(source, { delimiter: ',,' })).toThrow(
      'delimiter must be a single character',
    );
    expect(() => readCsv(source, { delimiter: '\n' })).toThrow('delimiter cannot be a line break');
    expect(() => readCsv(source, { quote: ',' })).toThrow('quote and delimiter must differ');
    expect(() => readCsv(source, { maxFieldBytes: 0 })).toThrow('maxFieldBytes must be an integer');
    expect(() => readCsv(source, { columns: [{ name: 'a', type: 'money' as 'string' }] })).toThrow(
      'columns[0]: type must be one of',
    );
    expect(() => readCsv(source, { columns: ['a', 'a'] })).toThrow('duplicate column name');
    expect(() => readCsv(source, { encoding: 'utf-7' as 'utf-8' })).toThrow('encoding must be');
    expect(() => readCsv('a,b' as unknown as AsyncIterable<string>)).toThrow('async iterable');
  });
});
