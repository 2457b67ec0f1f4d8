import { csvInterface, inferCsvInterface, readCsv } from './index.js';
import { chunksOf, collect } from '../text/streams.spec.js';

describe('csvInterface', () => {
  it('reduces columns to a closed, flat record interface', () => {
    expect(
      csvInterface({ columns: ['id', { name: 'amount', type: 'number', required: true }] }),
    ).toEqual({
      format: 'csv',
      closed: true,
      fields: [
        { name: 'id', type: 'string', required: false, repeated: false },
        { name: 'amount', type: 'number', required: true, repeated: false },
      ],
    });
    expect(() => csvInterface({})).toThrow('csvInterface needs the columns');
  });
});

describe('inferCsvInterface', () => {
  it('detects the delimiter, the header and the column types', () => {
    const sample =
      'id;price;paid;day;zip;name\n1;3.5;true;2024-01-02;01234;Ann\n2;4;false;2024-01-03;20095;Bo, Jr\n3;';
    const inferred = inferCsvInterface(sample);
    expect(inferred.delimiter).toBe(';');
    expect(inferred.header).toBe(true);
    expect(inferred.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'integer'],
      ['price', 'number'],
      ['paid', 'boolean'],
      ['day', 'date'],
      ['zip', 'string'],
      ['name', 'string'],
    ]);
    expect(inferred.interface.fields.map((f) => f.type)).toEqual(
      inferred.columns.map((c) => c.type),
    );
  });

  it('sees no header when the first row holds numbers, and reads tab-separated bytes with a BOM', () => {
    const bytes = new TextEncoder().encode('\ufeff1\t2020-01-01T10:00Z\n2\t2020-01-02T10:00Z\n');
    const inferred = inferCsvInterface(bytes);
    expect([inferred.delimiter, inferred.header]).toEqual(['\t', false]);
    expect(inferred.columns).toEqual([
      { name: 'column1', type: 'integer', required: false },
      { name: 'column2', type: 'datetime', required: false },
    ]);
  });

  it('gives options readCsv can use as they are', async () => {
    const sample = 'a|b\n1|x\n2|y\n';
    const { delimiter, header, columns } = inferCsvInterface(sample);
    const results = await collect(readCsv(chunksOf([sample]), { delimiter, header, columns }));
    expect(results.map((r) => (r.ok ? r.record : r.reason))).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('keeps the rows before a quoted cell cut by the end of the sample', () => {
    const inferred = inferCsvInterface('a,b\n1,2\n3,"open\n');
    expect(inferred.columns.map((c) => c.type)).toEqual(['integer', 'integer']);
  });
});
