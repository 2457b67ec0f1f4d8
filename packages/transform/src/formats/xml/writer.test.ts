import { TransformError } from '../../errors.js';
import type { RecordInterface } from '../../interfaces/model.js';
import { encodeText } from '../text/decoding.js';
import { records } from './test-helpers.spec.js';
import { writeXml, type XmlWriteOptions } from './writer.js';

async function written(items: unknown[], options: XmlWriteOptions): Promise<string> {
  let out = '';
  for await (const piece of writeXml(items, options)) out += piece;
  return out;
}

async function writeError(
  items: unknown[],
  options: XmlWriteOptions = { rootElement: 'r', recordElement: 'o' },
): Promise<unknown> {
  try {
    await written(items, options);
  } catch (error) {
    return error;
  }
  return undefined;
}

// A small seeded generator (mulberry32), so failures reproduce.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  'a',
  'Z',
  ' ',
  '&',
  '<',
  '>',
  '"',
  "'",
  '\t',
  '\n',
  '\r',
  ']]>',
  'é',
  '€',
  '😀',
  '漢',
  '&amp;',
  '\u00A0',
];
const NAMES = ['a', 'b', 'item', 'x-y', 'n.1', '_z', 'é', '__proto__', 'constructor'];

/** Records in the image of readXml's conversion: what it gives back must equal what was written. */
function randomRecord(next: () => number, depth = 0): Record<string, unknown> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const text = (nonBlank: boolean): string => {
    let out = '';
    const length = Math.floor(next() * 6);
    for (let i = 0; i < length; i++) out += pick(ALPHABET);
    return nonBlank && /^[ \t\n\r]*$/.test(out) ? `${out}x` : out;
  };
  const record: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  };
  const attributes = Math.floor(next() * 3);
  for (let i = 0; i < attributes; i++) set(`@${pick(NAMES)}`, text(false));
  const children = Math.floor(next() * 4);
  for (let i = 0; i < children; i++) {
    const key = pick(NAMES);
    const child = (): unknown => {
      if (depth < 3 && next() < 0.3) {
        const nested = randomRecord(next, depth + 1);
        if (Object.keys(nested).filter((k) => k !== '#text').length === 0) nested['@k'] = 'v';
        return nested;
      }
      return text(false);
    };
    set(key, next() < 0.25 ? [child(), child()] : child());
  }
  if (next() < 0.4) set('#text', text(Object.keys(record).some((k) => !k.startsWith('@'))));
  if (record['#text'] === '') delete record['#text'];
  return record;
}

describe('writeXml', () => {
  it('writes the reverse of the reader conversion, escaping text and attributes', async () => {
    const xml = await written(
      [
        {
          '@id': 1,
          '@note': 'a"b\n<c>',
          name: 'Zoë & <Co>',
          item: [{ '@sku': 'A', '#text': 2 }, 'B'],
          empty: null,
          when: new Date(0),
          skip: undefined,
        },
      ],
      { rootElement: 'Orders', recordElement: 'Order' },
    );
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Orders><Order id="1" note="a&quot;b&#10;&lt;c&gt;"><name>Zoë &amp; &lt;Co&gt;</name>' +
        '<item sku="A">2</item><item>B</item><empty/><when>1970-01-01T00:00:00.000Z</when></Order></Orders>',
    );
  });

  it('pretty-prints, declares namespaces on the root, and keeps mixed content compact', async () => {
    const xml = await written(
      [{ 'ns:a': { b: '1', c: ['2', '3'] }, m: { '#text': 'x', i: 'y' } }, {}],
      {
        rootElement: 'ns:Root',
        recordElement: 'Rec',
        namespaces: { ns: 'urn:n', '': 'urn:d' },
        pretty: true,
      },
    );
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<ns:Root xmlns:ns="urn:n" xmlns="urn:d">',
        '  <Rec>',
        '    <ns:a>',
        '      <b>1</b>',
        '      <c>2</c>',
        '      <c>3</c>',
        '    </ns:a>',
        '    <m>x<i>y</i></m>',
        '  </Rec>',
        '  <Rec/>',
        '</ns:Root>',
        '',
      ].join('\n'),
    );
    expect(await records(xml, { recordElement: 'Rec', namespaces: { ns: 'urn:n' } })).toEqual([
      { 'ns:a': { b: '1', c: ['2', '3'] }, m: { '#text': 'x', i: 'y' } },
      {},
    ]);
  });

  it.each([
    [[{ 'a b': '1' }], 'record 1: a key that is not an XML element name (at "a b")'],
    [
      [{}, { x: [{ '1a': 'v' }] }],
      'record 2: a key that is not an XML element name (at "x"[0]."1a")',
    ],
    [[{ '@a b': '1' }], 'record 1: a key that is not an XML attribute name (at "@a b")'],
    [[{ '#comment': '1' }], 'record 1: a key that is not an XML element name (at "#comment")'],
    [[{ 'p:a': '1' }], 'record 1: a key whose prefix namespaces does not map (at "p:a")'],
    [[{ xmlns: '1' }], 'record 1: a key that is not an XML element name (at "xmlns")'],
    [[{ a: 'x\u0001y' }], 'record 1: character U+0001, which XML 1.0 does not allow (at "a")'],
    [[{ '@a': '\uFFFF' }], 'record 1: character U+FFFF, which XML 1.0 does not allow (at "@a")'],
    [[{ a: '\uD800' }], 'record 1: character U+D800, which XML 1.0 does not allow (at "a")'],
    [
      [{ a: { '@b': { c: 1 } } }],
      'record 1: an object or array as an attribute value (at "a"."@b")',
    ],
    [[{ a: [[1]] }], 'record 1: an array directly inside an array (at "a"[0])'],
    [[{ a: [undefined] }], 'record 1: undefined as an array item (at "a"[0])'],
    [[{ a: Number.NaN }], 'record 1: the number NaN (at "a")'],
    [[{ a: new Map() }], 'record 1: an object that is not plain data (at "a")'],
    [[{ a: () => 1 }], 'record 1: a function (at "a")'],
    [
      [{ a: ' ', b: { '#text': ' ', c: '1' } }],
      'record 1: whitespace-only text beside child elements, which reading drops (at "b"."#text")',
    ],
    [['text'], 'record 1: a record must be an object (at the record)'],
  ])('refuses %p with not_representable', async (items, message) => {
    const error = await writeError(items);
    expect(TransformError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'not_representable', message });
  });

  it('refuses cycles and nesting deeper than the reader accepts', async () => {
    const cyclic: Record<string, unknown> = { a: {} };
    (cyclic['a'] as Record<string, unknown>)['b'] = cyclic['a'];
    expect(await writeError([cyclic])).toMatchObject({
      message: 'record 1: a circular reference (at "a"."b")',
    });
    let deep: Record<string, unknown> = { leaf: '1' };
    for (let i = 0; i < 300; i++) deep = { n: deep };
    expect(await writeError([deep])).toMatchObject({
      code: 'not_representable',
      message: expect.stringContaining('nesting deeper than 254'),
    });
  });

  it('checks options before reading any record', () => {
    const bad: unknown[] = [
      undefined,
      { rootElement: 'r' },
      { rootElement: '1r', recordElement: 'o' },
      { rootElement: 'p:r', recordElement: 'o' },
      { rootElement: 'r', recordElement: 'o', pretty: { indent: 'x' } },
      { rootElement: 'r', recordElement: 'o', encoding: 'utf-32' },
      { rootElement: 'r', recordElement: 'o', declaration: 'yes' },
    ];
    for (const options of bad) {
      let pulled = false;
      const items = {
        *[Symbol.iterator]() {
          pulled = true;
          yield {};
        },
      };
      expect(() => writeXml(items, options as XmlWriteOptions)).toThrow(
        expect.objectContaining({ code: 'invalid_option' }),
      );
      expect(pulled).toBe(false);
    }
    expect(() => writeXml('x' as never, { rootElement: 'r', recordElement: 'o' })).toThrow(
      expect.objectContaining({ code: 'invalid_source' }),
    );
  });
});

describe('writeXml → readXml round trip', () => {
  it('gives back seeded random records of many shapes, compact and pretty', async () => {
    const next = random(20261124);
    const items = Array.from({ length: 400 }, () => randomRecord(next));
    for (const pretty of [false, true]) {
      const xml = await written(items, { rootElement: 'Records', recordElement: 'Record', pretty });
      expect(await records(xml, { recordElement: 'Record' })).toEqual(items);
    }
  });

  it('round-trips through UTF-16 and latin1 bytes (character references for what latin1 lacks)', async () => {
    const items = [{ '@a': 'Zoë 😀 €', b: ['漢字', 'ÿ'], c: { '@d': '\t\n\r', '#text': '<&>' } }];
    for (const encoding of ['utf-16le', 'utf-16be', 'latin1', 'utf-8'] as const) {
      const bytes = encodeText(
        writeXml(items, { rootElement: 'r', recordElement: 'o', encoding }),
        encoding,
        {
          bom: encoding !== 'latin1',
        },
      );
      const pieces: Uint8Array[] = [];
      for await (const piece of bytes) pieces.push(piece);
      expect([encoding, await records(pieces, { recordElement: 'o' })]).toEqual([encoding, items]);
    }
  });

  it('round-trips typed values through an interface', async () => {
    const iface: RecordInterface = {
      format: 'xml',
      closed: true,
      fields: [
        { name: '@n', type: 'number', required: true, repeated: false },
        { name: 'flag', type: 'boolean', required: true, repeated: false },
        { name: 'count', type: 'integer', required: false, repeated: true },
      ],
    };
    const items = [
      { '@n': -1.25e-7, flag: true, count: [3] },
      { '@n': 0, flag: false, count: [1, -2] },
    ];
    const xml = await written(items, { rootElement: 'r', recordElement: 'o' });
    expect(await records(xml, { recordElement: 'o', interface: iface })).toEqual(items);
  });

  it('streams: one piece per record, pulled lazily', async () => {
    let produced = 0;
    async function* source(): AsyncGenerator<unknown> {
      for (;;) {
        produced++;
        yield { n: String(produced) };
      }
    }
    const pieces: string[] = [];
    for await (const piece of writeXml(source(), {
      rootElement: 'r',
      recordElement: 'o',
      declaration: false,
    })) {
      pieces.push(piece);
      if (pieces.length === 3) break;
    }
    expect(pieces).toEqual(['<r>', '<o><n>1</n></o>', '<o><n>2</n></o>']);
    expect(produced).toBe(2);
    expect(await records([...pieces, '</r>'], { recordElement: 'o' })).toEqual([
      { n: '1' },
      { n: '2' },
    ]);
  });
});
