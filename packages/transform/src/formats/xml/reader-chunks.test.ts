import type { RecordResult } from '../../ndjson-reader.js';
import { failure, readAll, split } from './test-helpers.spec.js';

// Every kind of token, multi-byte characters of 2, 3 and 4 bytes, CRLF, a record that fails on
// size, and a declaration the byte sniffer reads: every boundary the reader must get right.
const INPUT = [
  '<?xml version="1.0" encoding="UTF-8"?>\r',
  '<!-- head -->\r',
  '<p:Orders xmlns:p="urn:o" xmlns="urn:d">',
  '  <Order id="1" note="a&#10;b &lt; &quot;c&quot;"><name>Zoë 😀 漢字</name><?pi x?>',
  '    <qty>2</qty><qty>3</qty><![CDATA[<raw> & ]]>tail&#x1F389;</Order>\r',
  `  <Order id="2"><big>${'é'.repeat(100)}</big><big>${'€'.repeat(100)}</big></Order>`,
  '  <Order id="3"><empty/><text>line1\r\nline2</text></Order>',
  '</p:Orders>\r\n',
].join('\n');

const EXPECTED: RecordResult[] = [
  {
    ok: true,
    line: 4,
    record: {
      '@id': '1',
      '@note': 'a\nb < "c"',
      name: 'Zoë 😀 漢字',
      qty: ['2', '3'],
      '#text': '\n    <raw> & tail🎉',
    },
  },
  { ok: false, line: 6, reason: 'line 6: the record exceeds 180 characters' },
  { ok: true, line: 7, record: { '@id': '3', empty: '', text: 'line1\nline2' } },
];

const OPTIONS = { recordElement: 'Order', maxRecordBytes: 180 };
const bytes = new TextEncoder().encode(INPUT);

describe('readXml chunk boundaries', () => {
  it('reads the whole input as expected', async () => {
    expect(await readAll(bytes, OPTIONS)).toEqual(EXPECTED);
    expect(await readAll(INPUT, OPTIONS)).toEqual(EXPECTED);
  });

  it('gives identical results for a split at every byte offset', async () => {
    for (let at = 0; at <= bytes.length; at++) {
      expect([at, await readAll(split(bytes, [at]), OPTIONS)]).toEqual([at, EXPECTED]);
    }
  });

  it('gives identical results for one-byte chunks and for two splits', async () => {
    expect(await readAll(split(bytes, [...bytes.keys()].slice(1)), OPTIONS)).toEqual(EXPECTED);
    for (let at = 1; at < bytes.length; at += 7) {
      const other = Math.min(bytes.length, at + 3 + (at % 11));
      expect([at, await readAll(split(bytes, [at, other]), OPTIONS)]).toEqual([at, EXPECTED]);
    }
  });

  it('gives identical results for a split at every UTF-16 offset of string chunks, surrogate pairs included', async () => {
    for (let at = 0; at <= INPUT.length; at++) {
      expect([at, await readAll(split(INPUT, [at]), OPTIONS)]).toEqual([at, EXPECTED]);
    }
    expect(await readAll(split(INPUT, [...INPUT].map((_, i) => i).slice(1)), OPTIONS)).toEqual(
      EXPECTED,
    );
  });

  it('gives identical results for UTF-16 bytes split at every offset', async () => {
    const text = `\uFEFF${INPUT.replace('encoding="UTF-8"', 'encoding="UTF-16"')}`;
    const utf16 = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) {
      utf16[2 * i] = text.charCodeAt(i) & 0xff;
      utf16[2 * i + 1] = text.charCodeAt(i) >> 8;
    }
    for (let at = 0; at <= utf16.length; at += 1) {
      expect([at, await readAll(split(utf16, [at]), OPTIONS)]).toEqual([at, EXPECTED]);
    }
  });

  it('gives the same error, at the same position, for every split', async () => {
    const broken = new TextEncoder().encode('<r>\r\n<o a="é">😀</o>\r\n<o><b></o></r>');
    const whole = (await failure(broken, { recordElement: 'o' })) as Error;
    expect(whole.message).toBe(
      'end tag </o> at line 3, column 7 does not match <b> opened at line 3, column 4',
    );
    for (let at = 0; at <= broken.length; at++) {
      const error = (await failure(split(broken, [at]), { recordElement: 'o' })) as Error;
      expect([at, error.message]).toEqual([at, whole.message]);
    }
  });
});
