import {
  type FixedWidthLayout,
  fixedWidthInterface,
  inferFixedWidthLayout,
  readFixedWidth,
  writeFixedWidth,
} from './index.js';
import { chunksOf, collect, everySplit, failure, join, records } from '../text/streams.spec.js';
import { fixture } from '../text/fixtures.spec.js';

const people: FixedWidthLayout = {
  fields: [
    { name: 'id', length: 4, type: 'integer' },
    { name: 'name', length: 8 },
    { name: 'amount', start: 14, length: 7, type: 'number' },
    { name: 'day', length: 10, type: 'date', required: true },
  ],
};

const banking: FixedWidthLayout = {
  recordTypes: {
    discriminator: { name: 'recordType', start: 1, length: 2 },
    types: {
      H: [{ name: 'bank', start: 3, length: 6 }],
      D: [
        { name: 'account', start: 3, length: 6 },
        { name: 'cents', length: 6, type: 'integer' },
      ],
    },
  },
};

describe('readFixedWidth', () => {
  const text = [
    '   1Ann        -12.52024-01-02\r\n',
    '  22Bo       3      2024-01-03\r\n',
    '\r\n',
    '   3Cy       x      2024-01-04\r\n',
    '   4Di              2024-01-05\n',
    '   5\n',
  ].join('');
  const expected = [
    { id: 1, name: 'Ann', amount: -12.5, day: '2024-01-02' },
    { id: 22, name: 'Bo', amount: 3, day: '2024-01-03' },
    { failed: 4, reason: 'line 4, column 14: field "amount" is not a number' },
    { id: 4, name: 'Di', amount: null, day: '2024-01-05' },
    { failed: 6, reason: 'line 6, column 21: field "day" is required' },
  ];

  it('reads fields by position, typed, wherever the bytes are cut', async () => {
    for (const parts of everySplit(text)) {
      expect(records(await collect(readFixedWidth(chunksOf(parts), people)))).toEqual(expected);
    }
  });

  it('picks the layout by record type and fails unknown types and text past the end', async () => {
    const input = 'H BANK01\nD 000123000042\nX whatever\nD 000124000007  \nD 000125000001EXTRA\n';
    expect(records(await collect(readFixedWidth(chunksOf([input]), banking)))).toEqual([
      { recordType: 'H', bank: 'BANK01' },
      { recordType: 'D', account: '000123', cents: 42 },
      { failed: 3, reason: 'line 3: unknown record type' },
      { recordType: 'D', account: '000124', cents: 7 },
      { failed: 5, reason: "line 5: text past column 14, the layout's end" },
    ]);
  });

  it('skips heading lines, keeps padding when asked, and fails an over-long line', async () => {
    const layout: FixedWidthLayout = {
      fields: [
        { name: 'a', length: 3 },
        { name: 'b', length: 3 },
      ],
      pad: '.',
    };
    const input = 'HEADING\nx..y..\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n';
    expect(
      records(
        await collect(
          readFixedWidth(chunksOf([input]), layout, {
            skipLines: 1,
            trim: false,
            maxLineBytes: 10,
          }),
        ),
      ),
    ).toEqual([
      { a: 'x..', b: 'y..' },
      { failed: 3, reason: 'line 3: exceeds 10 bytes' },
    ]);
  });

  it('checks the layout and options before reading', () => {
    const source = chunksOf([]);
    expect(() => readFixedWidth(source, { fields: [] })).toThrow(
      'fields must be a non-empty array',
    );
    expect(() =>
      readFixedWidth(source, {
        fields: [
          { name: 'a', length: 4 },
          { name: 'b', start: 2, length: 2 },
        ],
      }),
    ).toThrow('fields[1] overlaps another field');
    expect(() => readFixedWidth(source, {})).toThrow('either fields or recordTypes');
    expect(() => readFixedWidth(source, people, { skipLines: -1 })).toThrow('skipLines must be');
    expect(() => readFixedWidth(source, { ...people, pad: '' })).toThrow(
      'pad must be a single character',
    );
  });
});

describe('writeFixedWidth', () => {
  it('pads each value to its field and round-trips through the reader', async () => {
    const rows = [
      { id: 1, name: 'Ann', amount: -12.5, day: '2024-01-02' },
      { id: 22, name: 'Bo', amount: null, day: '2024-01-03' },
    ];
    const text = await join(writeFixedWidth(rows, people));
    expect(text).toBe('   1Ann        -12.52024-01-02\n  22Bo              2024-01-03\n');
    expect(records(await collect(readFixedWidth(chunksOf([text]), people)))).toEqual(rows);
    const typed = [
      { recordType: 'H', bank: 'B1' },
      { recordType: 'D', account: 'A1', cents: 5 },
    ];
    const banked = await join(writeFixedWidth(typed, banking, { lineEnding: 'crlf' }));
    expect(banked).toBe('H B1    \r\nD A1         5\r\n');
    expect(records(await collect(readFixedWidth(chunksOf([banked]), banking)))).toEqual(typed);
  });

  it('refuses a value longer than its field unless truncating, and unknown record types', async () => {
    const long = [{ id: 12345, name: 'x', day: '2024-01-01' }];
    const error = await failure(join(writeFixedWidth(long, people)));
    expect([error.code, error.message]).toEqual([
      'not_representable',
      'record 1: field "id" is longer than its 4 characters',
    ]);
    expect(await join(writeFixedWidth(long, people, { truncate: true }))).toBe(
      '1234x               2024-01-01\n',
    );
    const unknown = await failure(join(writeFixedWidth([{ recordType: 'Z' }], banking)));
    expect(unknown.message).toBe(
      'record 1: field "recordType" is not one of the layout\'s record types',
    );
    const nested = await failure(join(writeFixedWidth([{ name: { a: 1 } }], people)));
    expect(nested.message).toBe(
      'record 1: field "name" holds an object, which a fixed-width field cannot',
    );
  });
});

describe('fixedWidthInterface', () => {
  it('describes one layout, one record type, or the union of all types', () => {
    expect(fixedWidthInterface(people).fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ['id', 'integer', false],
      ['name', 'string', false],
      ['amount', 'number', false],
      ['day', 'date', true],
    ]);
    expect(fixedWidthInterface(banking, 'D').fields.map((f) => f.name)).toEqual([
      'recordType',
      'account',
      'cents',
    ]);
    expect(fixedWidthInterface(banking).fields.map((f) => f.name)).toEqual([
      'recordType',
      'bank',
      'account',
      'cents',
    ]);
    expect(() => fixedWidthInterface(banking, 'Q')).toThrow("not one of the layout's record types");
  });
});

describe('inferFixedWidthLayout', () => {
  it('finds columns from runs of spaces aligned across lines, and a header line', async () => {
    const sample =
      'ID   NAME      AMOUNT\n1    Ann Lee    12.50\n22   Bo          3.00\n333  Cy        100.00\n';
    const { header, layout } = inferFixedWidthLayout(sample);
    expect(header).toBe(true);
    expect(layout.fields).toEqual([
      { name: 'ID', start: 1, length: 5, type: 'integer', align: 'left' },
      { name: 'NAME', start: 6, length: 10, type: 'string', align: 'left' },
      { name: 'AMOUNT', start: 16, length: 6, type: 'number', align: 'left' },
    ]);
    expect(inferFixedWidthLayout(new TextEncoder().encode(`\ufeff${sample}`))).toEqual({
      header,
      layout,
    });
    const read = await collect(readFixedWidth(chunksOf([sample]), layout, { skipLines: 1 }));
    expect(records(read)[0]).toEqual({ ID: 1, NAME: 'Ann Lee', AMOUNT: 12.5 });
  });
});

describe('readFixedWidth on a fixture file', () => {
  it('reads a statement with header, detail and trailer records', async () => {
    const statement: FixedWidthLayout = {
      recordTypes: {
        discriminator: { name: 'kind', start: 1, length: 3 },
        types: {
          HDR: [
            { name: 'date', start: 4, length: 8 },
            { name: 'bank', length: 20 },
          ],
          DTL: [
            { name: 'account', start: 4, length: 10 },
            { name: 'cents', length: 8, type: 'integer' },
            { name: 'name', length: 20 },
          ],
          TRL: [{ name: 'count', start: 4, length: 8, type: 'integer' }],
        },
      },
    };
    const results = await collect(
      readFixedWidth(fixture('fixed-width/statement-record-types.txt'), statement),
    );
    expect(records(results)).toEqual([
      { kind: 'HDR', date: '20240301', bank: 'BANK-DE-01' },
      { kind: 'DTL', account: '0000012345', cents: 1499, name: 'Müller Anna' },
      { kind: 'DTL', account: '0000012346', cents: -1250, name: 'Ødegård AS' },
      { failed: 4, reason: 'line 4: unknown record type' },
      { kind: 'TRL', count: 2 },
    ]);
  });
});
