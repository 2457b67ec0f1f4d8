import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inferXmlInterface, inferXmlInterfaceFromRecords } from './infer.js';
import { chunks, records } from './test-helpers.spec.js';

const fixtures = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'xml',
);

describe('inferXmlInterface', () => {
  it('infers types from values, repetition, attributes and presence', async () => {
    const iface = await inferXmlInterface(
      readFileSync(join(fixtures, 'orders.xml'), 'utf8'),
      'Order',
    );
    expect(iface.format).toBe('xml');
    expect(iface.closed).toBe(false);
    expect(iface.fields).toEqual([
      { name: '@id', type: 'integer', required: true, repeated: false },
      { name: '@channel', type: 'string', required: false, repeated: false },
      {
        name: 'customer',
        type: 'object',
        required: true,
        repeated: false,
        fields: [
          { name: 'name', type: 'string', required: true, repeated: false },
          { name: 'vip', type: 'boolean', required: false, repeated: false },
        ],
      },
      { name: 'status', type: 'string', required: true, repeated: false },
      { name: 'placed', type: 'datetime', required: true, repeated: false },
      { name: 'due', type: 'date', required: false, repeated: false },
      { name: 'paid', type: 'string', required: true, repeated: false }, // "1" and "false" agree on no narrower type
      {
        name: 'line',
        type: 'object',
        required: true,
        repeated: true,
        fields: [
          { name: '@number', type: 'integer', required: true, repeated: false },
          { name: 'sku', type: 'string', required: true, repeated: false },
          { name: 'quantity', type: 'integer', required: true, repeated: false },
          { name: 'price', type: 'number', required: true, repeated: false },
        ],
      },
      { name: 'email', type: 'string', required: false, repeated: false },
      { name: 'note', type: 'string', required: false, repeated: false },
      {
        name: 'total',
        type: 'object',
        required: true,
        repeated: false,
        fields: [
          { name: '@currency', type: 'string', required: true, repeated: false },
          { name: '#text', type: 'number', required: true, repeated: false },
        ],
      },
      { name: 'phone', type: 'string', required: false, repeated: false },
    ]);
  });

  it('keeps leading zeros as strings, widens integers to numbers, and folds text-only occurrences into #text', async () => {
    const sample =
      '<r><o><zip>0123</zip><n>1</n><e a="1">7</e></o><o><zip>99</zip><n>1.5</n><e>1.5</e></o></r>';
    const iface = await inferXmlInterface(sample, 'o');
    expect(iface.fields).toEqual([
      { name: 'zip', type: 'string', required: true, repeated: false },
      { name: 'n', type: 'number', required: true, repeated: false },
      {
        name: 'e',
        type: 'object',
        required: true,
        repeated: false,
        fields: [
          { name: '@a', type: 'integer', required: true, repeated: false },
          { name: '#text', type: 'number', required: false, repeated: false },
        ],
      },
    ]);
    // Read with the inferred interface, every occurrence of e has one shape.
    expect(await records(sample, { recordElement: 'o', interface: iface })).toEqual([
      { zip: '0123', n: 1, e: { '@a': 1, '#text': 7 } },
      { zip: '99', n: 1.5, e: { '#text': 1.5 } },
    ]);
  });

  it('infers from records already read, as from the document', async () => {
    const sample = '<r><o a="1"><b>x</b><b>y</b></o><o a="2.5"/></r>';
    const read = await records(sample, { recordElement: 'o' });
    expect(inferXmlInterfaceFromRecords(read)).toEqual(await inferXmlInterface(sample, 'o'));
    expect(inferXmlInterfaceFromRecords(read).fields).toEqual([
      { name: '@a', type: 'number', required: true, repeated: false },
      { name: 'b', type: 'string', required: false, repeated: true },
    ]);
    expect(() => inferXmlInterfaceFromRecords(['x'])).toThrow(
      expect.objectContaining({ code: 'invalid_source' }),
    );
  });

  it('reads a streamed sample and stops after maxRecords', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<string> {
      yield '<r>';
      for (;;) {
        pulled++;
        yield pulled === 3 ? '<o><late>1</late></o>' : '<o><a>1</a></o>';
      }
    }
    const iface = await inferXmlInterface(endless(), 'o', { maxRecords: 2 });
    expect(iface.fields).toEqual([{ name: 'a', type: 'integer', required: true, repeated: false }]);
    expect(pulled).toBeLessThan(4);
    await expect(inferXmlInterface(chunks(['<r/>']), 'o', { maxRecords: 0 })).rejects.toMatchObject(
      { code: 'invalid_option' },
    );
  });
});
