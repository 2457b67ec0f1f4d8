import { TransformError } from '../../errors.js';
import type { RecordInterface } from '../../interfaces/model.js';
import { readXml } from './reader.js';
import { failure, readAll, records } from './test-helpers.spec.js';

const ORDERS = `<?xml version="1.0" encoding="UTF-8"?>
<Orders>
  <Order id="1">
    <customer>Zoë</customer>
    <item sku="A">2</item>
    <item sku="B">3</item>
    <note/>
  </Order>
  <Order id="2"><customer>Kraków &amp; Co</customer><item sku="C">1</item></Order>
</Orders>`;

describe('readXml conversion', () => {
  it('turns each record element into an object: attributes under @, repeated children as arrays', async () => {
    expect(await readAll(ORDERS, { recordElement: 'Order' })).toEqual([
      {
        ok: true,
        line: 3,
        record: {
          '@id': '1',
          customer: 'Zoë',
          item: [
            { '@sku': 'A', '#text': '2' },
            { '@sku': 'B', '#text': '3' },
          ],
          note: '',
        },
      },
      {
        ok: true,
        line: 9,
        record: { '@id': '2', customer: 'Kraków & Co', item: { '@sku': 'C', '#text': '1' } },
      },
    ]);
  });

  it('makes alwaysArray keys and paths arrays even with one occurrence', async () => {
    const [, second] = await records(ORDERS, { recordElement: 'Order', alwaysArray: ['item'] });
    expect(second).toMatchObject({ item: [{ '@sku': 'C' }] });
    const nested = '<r><o><a><b>1</b></a><c><b>2</b></c></o></r>';
    expect(await records(nested, { recordElement: 'o', alwaysArray: ['a/b'] })).toEqual([
      { a: { b: ['1'] }, c: { b: '2' } },
    ]);
  });

  it('keeps text-only records as objects, mixed text as #text, drops whitespace between children', async () => {
    const xml = '<r><o>plain</o><o/><o> <p>x</p> </o><o>a<b>1</b>c</o><o a="1"> </o></r>';
    expect(await records(xml, { recordElement: 'o' })).toEqual([
      { '#text': 'plain' },
      {},
      { p: 'x' },
      { b: '1', '#text': 'ac' },
      { '@a': '1', '#text': ' ' },
    ]);
  });

  it('decodes CDATA, character references, and normalises line ends and attribute whitespace', async () => {
    const xml =
      '<r><o a="x\ty&#10;z"><t><![CDATA[<b>&amp;</b>]]>&#x1F600;&#233;</t><u>1\r\n2\r3</u></o></r>';
    expect(await records(xml, { recordElement: 'o' })).toEqual([
      { '@a': 'x y\nz', t: '<b>&amp;</b>😀é', u: '1\n2\n3' },
    ]);
  });

  it('matches record paths at the end of the element path, or from the root with a leading /', async () => {
    const xml = '<a><Order>1</Order><b><Order>2</Order></b><c><b><Order>3</Order></b></c></a>';
    const texts = async (recordElement: string): Promise<unknown[]> =>
      (await records(xml, { recordElement })).map((r) => (r as Record<string, unknown>)['#text']);
    expect(await texts('Order')).toEqual(['1', '2', '3']);
    expect(await texts('b/Order')).toEqual(['2', '3']);
    expect(await texts('/a/b/Order')).toEqual(['2']);
    expect(await texts('/a/Order')).toEqual(['1']);
  });

  it('treats a record element nested in a record as part of that record', async () => {
    expect(await records('<r><n><n>inner</n></n></r>', { recordElement: 'n' })).toEqual([
      { n: 'inner' },
    ]);
  });

  it('keys names by the namespace map, never by the document prefixes', async () => {
    const xml = `<x:Orders xmlns:x="urn:orders" xmlns:y="urn:other" xmlns="urn:default">
      <x:Order y:flag="1" plain="2" xml:lang="en"><Item>a</Item><y:Item>b</y:Item></x:Order>
    </x:Orders>`;
    expect(await records(xml, { recordElement: 'Order' })).toEqual([
      { '@flag': '1', '@plain': '2', '@xml:lang': 'en', Item: ['a', 'b'] },
    ]);
    expect(
      await records(xml, {
        recordElement: 'ns:Order',
        namespaces: { ns: 'urn:orders', o: 'urn:other' },
      }),
    ).toEqual([{ '@o:flag': '1', '@plain': '2', '@xml:lang': 'en', Item: 'a', 'o:Item': 'b' }]);
    // The same document with other prefixes gives the same keys.
    const renamed = xml.replaceAll('x:', 'q:').replace('xmlns:x=', 'xmlns:q=');
    expect(
      await records(renamed, { recordElement: 'ns:Order', namespaces: { ns: 'urn:orders' } }),
    ).toEqual([{ '@flag': '1', '@plain': '2', '@xml:lang': 'en', Item: ['a', 'b'] }]);
  });

  it('fails a record whose attributes collide on one key, and reads on', async () => {
    const xml = '<r xmlns:a="urn:a" xmlns:b="urn:b"><o a:id="1" b:id="2"/><o id="3"/></r>';
    expect(await readAll(xml, { recordElement: 'o' })).toEqual([
      {
        ok: false,
        line: 1,
        reason:
          'line 1: two attributes of o at line 1, column 36 have the key @id (map their namespaces to prefixes)',
      },
      { ok: true, line: 1, record: { '@id': '3' } },
    ]);
  });

  it('reads xsi:nil="true" as null and drops other schema-instance attributes', async () => {
    const xml = `<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x x.xsd">
      <o type="a" xsi:type="T"><a xsi:nil="true"/><b xsi:nil="false">1</b><c xsi:nil="1" k="v"/></o></r>`;
    expect(await records(xml, { recordElement: 'o' })).toEqual([
      { '@type': 'a', a: null, b: '1', c: null },
    ]);
  });

  it('makes __proto__ and constructor ordinary keys', async () => {
    const xml =
      '<r><o __proto__="p"><__proto__><polluted>yes</polluted></__proto__><constructor>c</constructor></o></r>';
    const [record] = (await records(xml, { recordElement: 'o' })) as Record<string, unknown>[];
    expect(Object.keys(record!)).toEqual(['@__proto__', '__proto__', 'constructor']);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toEqual({
      polluted: 'yes',
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(record!['constructor']).toBe('c');
  });

  it('reports the record start line and ignores comments and processing instructions', async () => {
    const xml =
      '<?xml version="1.0"?>\n<!-- c -->\n<r>\n<?pi data?>\n<o><!-- inside -->a<?x?>b</o>\n</r>\n<!-- end -->';
    expect(await readAll(xml, { recordElement: 'o' })).toEqual([
      { ok: true, line: 5, record: { '#text': 'ab' } },
    ]);
  });
});

describe('readXml with an interface', () => {
  const iface: RecordInterface = {
    format: 'xml',
    closed: true,
    fields: [
      { name: '@id', type: 'integer', required: true, repeated: false },
      { name: 'paid', type: 'boolean', required: false, repeated: false },
      { name: 'total', type: 'number', required: false, repeated: false },
      {
        name: 'item',
        type: 'object',
        required: false,
        repeated: true,
        fields: [
          { name: '@sku', type: 'string', required: true, repeated: false },
          { name: '#text', type: 'integer', required: false, repeated: false },
        ],
      },
      { name: 'tag', type: 'string', required: false, repeated: true },
      { name: 'when', type: 'date', required: false, repeated: false },
    ],
  };

  it('types values and makes maxOccurs > 1 fields arrays even with one occurrence', async () => {
    const xml =
      '<r><o id="7"><paid> true </paid><total>-1.5e1</total><item sku="A">3</item><tag>x</tag><when> 2024-02-29 </when></o><o id="8"><total/><item sku="B"/></o></r>';
    expect(await records(xml, { recordElement: 'o', interface: iface })).toEqual([
      {
        '@id': 7,
        paid: true,
        total: -15,
        item: [{ '@sku': 'A', '#text': 3 }],
        tag: ['x'],
        when: '2024-02-29',
      },
      { '@id': 8, total: null, item: [{ '@sku': 'B' }] },
    ]);
  });

  it('fails a record whose value does not fit its type, naming where, and reads on', async () => {
    const xml =
      '<r>\n<o id="1"><total>12,50</total></o>\n<o id="x"/>\n<o id="9007199254740993"/>\n<o id="3"><paid>yes</paid></o>\n<o id="4"/></r>';
    const results = await readAll(xml, { recordElement: 'o', interface: iface });
    expect(results).toEqual([
      {
        ok: false,
        line: 2,
        reason: 'line 2: the content of o/total at line 2, column 11 is not a number',
      },
      {
        ok: false,
        line: 3,
        reason: 'line 3: attribute @id of o at line 3, column 1 is not an integer',
      },
      {
        ok: false,
        line: 4,
        reason:
          'line 4: attribute @id of o at line 4, column 1 is an integer too large to be represented exactly',
      },
      {
        ok: false,
        line: 5,
        reason:
          'line 5: the content of o/paid at line 5, column 11 is not a boolean (true, false, 1 or 0)',
      },
      { ok: true, line: 6, record: { '@id': 4 } },
    ]);
    expect(JSON.stringify(results)).not.toContain('12,50');
  });
});

describe('readXml options and sources', () => {
  it.each([
    [undefined],
    [{}],
    [{ recordElement: '' }],
    [{ recordElement: 'a b' }],
    [{ recordElement: 'ns:Order' }],
    [{ recordElement: 'o', maxDepth: 0 }],
    [{ recordElement: 'o', maxRecordBytes: 1.5 }],
    [{ recordElement: 'o', encoding: 'ebcdic' }],
    [{ recordElement: 'o', namespaces: { xml: 'urn:x' } }],
    [{ recordElement: 'o', alwaysArray: 'item' }],
    [{ recordElement: 'o', interface: { fields: 'x' } }],
  ])('rejects bad options %p before reading', (options) => {
    let pulled = false;
    async function* source(): AsyncGenerator<string> {
      pulled = true;
      yield '<r/>';
    }
    let error: unknown;
    try {
      readXml(source(), options as never);
    } catch (caught) {
      error = caught;
    }
    expect(TransformError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'invalid_option' });
    expect(pulled).toBe(false);
  });

  it('rejects a source that is not async iterable', () => {
    expect(() => readXml('<r/>' as never, { recordElement: 'o' })).toThrow(
      expect.objectContaining({ code: 'invalid_source' }),
    );
  });

  it('pulls lazily and releases the source when the reader stops', async () => {
    let released = false;
    async function* endless(): AsyncGenerator<string> {
      try {
        yield '<r>';
        for (let i = 0; ; i++) yield `<o n="${i}"/>`;
      } finally {
        released = true;
      }
    }
    const seen: unknown[] = [];
    for await (const result of readXml(endless(), { recordElement: 'o' })) {
      seen.push(result.ok ? result.record : result.reason);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([{ '@n': '0' }, { '@n': '1' }]);
    expect(released).toBe(true);
  });

  it('releases a byte source during encoding sniffing too', async () => {
    let released = false;
    async function* bytes(): AsyncGenerator<Uint8Array> {
      try {
        yield new TextEncoder().encode('<r><o/>');
        for (;;) yield new TextEncoder().encode('<o/>');
      } finally {
        released = true;
      }
    }
    for await (const result of readXml(bytes(), { recordElement: 'o' })) {
      expect(result.ok).toBe(true);
      break;
    }
    expect(released).toBe(true);
  });

  it('lets errors of the source itself propagate', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield '<r><o/>';
      throw new Error('disk on fire');
    }
    const iterate = async (): Promise<void> => {
      for await (const _ of readXml(failing(), { recordElement: 'o' })) void _;
    };
    await expect(iterate()).rejects.toThrow('disk on fire');
  });

  it('fails a record over maxRecordBytes alone, keeping memory bounded, and reads on', async () => {
    const xml = [
      '<r>',
      '<o><a>short</a></o>',
      `<o>${'<a>xxxxxxxxxx</a>'.repeat(50)}</o>`,
      '<o>ok</o>',
      '</r>',
    ];
    expect(await readAll(xml, { recordElement: 'o', maxRecordBytes: 200 })).toEqual([
      { ok: true, line: 1, record: { a: 'short' } },
      { ok: false, line: 1, reason: 'line 1: the record exceeds 200 characters' },
      { ok: true, line: 1, record: { '#text': 'ok' } },
    ]);
  });

  it('ends the stream when a single token is larger than maxRecordBytes', async () => {
    const error = await failure(['<r><o>', 'x'.repeat(500), '</o></r>'], {
      recordElement: 'o',
      maxRecordBytes: 100,
    });
    expect(error).toMatchObject({
      code: 'limit_exceeded',
      message: expect.stringContaining('line 1, column 7'),
    });
    const whole = await failure(`<r><o>${'x'.repeat(500)}</o></r>`, {
      recordElement: 'o',
      maxRecordBytes: 100,
    });
    expect(whole).toEqual(error);
  });

  it('ignores content outside records', async () => {
    expect(
      await records('<r><head>x<y a="1"/></head><o/>tail<z/></r>', { recordElement: 'o' }),
    ).toEqual([{}]);
  });

  it('fails on a chunk that is neither text nor bytes', async () => {
    for (const pieces of [[42], ['<r>', 42], [new Uint8Array([0x3c]), 42]]) {
      const error = await failure(pieces as never, { recordElement: 'o' });
      expect(TransformError.is(error)).toBe(true);
      expect(error).toMatchObject({ code: 'invalid_source' });
    }
  });

  it('lets an explicit encoding override the declaration; string chunks ignore it', async () => {
    const latin1 = Uint8Array.from(
      [...'<?xml version="1.0" encoding="UTF-8"?><r><o>']
        .map((c) => c.charCodeAt(0))
        .concat(
          [0xe9],
          [...'</o></r>'].map((c) => c.charCodeAt(0)),
        ),
    );
    expect(await records(latin1, { recordElement: 'o', encoding: 'latin1' })).toEqual([
      { '#text': 'é' },
    ]);
    await expect(records(latin1, { recordElement: 'o' })).rejects.toMatchObject({
      code: 'invalid_encoding',
    });
    const text = '<?xml version="1.0" encoding="ISO-8859-1"?><r><o>€</o></r>';
    expect(await records(text, { recordElement: 'o' })).toEqual([{ '#text': '€' }]);
  });

  it('reads a record split across chunks', async () => {
    expect(await records(['<r><o>', '1</o></r>'], { recordElement: 'o' })).toEqual([
      { '#text': '1' },
    ]);
  });
});
