import { inferCsvInterface, readCsv } from './index.js';
import { collect, records } from '../text/streams.spec.js';
import { fixture } from '../text/fixtures.spec.js';

describe('readCsv on fixture files', () => {
  it('reads a semicolon export with a BOM, CRLF, a comment line and typed columns', async () => {
    const results = await collect(
      readCsv(fixture('csv/orders-semicolon-bom-crlf.csv'), {
        delimiter: ';',
        comment: '#',
        columns: [
          { name: 'orderNo', type: 'integer' },
          'customer',
          { name: 'amount', type: 'number' },
          { name: 'paid', type: 'boolean' },
          { name: 'ordered', type: 'date' },
          'note',
        ],
      }),
    );
    expect(records(results)).toEqual([
      {
        orderNo: 10001,
        customer: 'Müller; Anna',
        amount: 149.9,
        paid: true,
        ordered: '2024-03-01',
        note: '',
      },
      {
        orderNo: 10002,
        customer: 'Ødegård AS',
        amount: -12.5,
        paid: false,
        ordered: '2024-03-02',
        note: 'two\r\nlines, "quoted"',
      },
      { failed: 6, reason: 'line 6: field 3 ("amount") is not a number' },
      { failed: 7, reason: 'line 7: field 5 ("ordered") is not a date (YYYY-MM-DD)' },
    ]);
  });

  it('reads a latin1 file when told so', async () => {
    const results = await collect(
      readCsv(fixture('csv/customers-latin1.csv'), { encoding: 'latin1' }),
    );
    expect(records(results)).toEqual([
      { id: '1', name: 'José', city: 'Málaga' },
      { id: '2', name: 'Françoise', city: 'Besançon' },
    ]);
  });

  it('infers the export dialect from its first bytes', async () => {
    const head: Uint8Array[] = [];
    for await (const chunk of fixture('csv/orders-semicolon-bom-crlf.csv', 200)) {
      head.push(chunk);
      break;
    }
    const inferred = inferCsvInterface(head[0]!);
    expect([inferred.delimiter, inferred.header]).toEqual([';', true]);
    expect(inferred.columns.map((c) => c.name)).toEqual([
      'Order No',
      'Customer',
      'Amount',
      'Paid',
      'Ordered',
      'Note',
    ]);
  });
});
