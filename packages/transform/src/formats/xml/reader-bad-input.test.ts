import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TransformError } from '../../errors.js';
import { readXml } from './reader.js';
import { chunks, failure, readAll } from './test-helpers.spec.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): string =>
  readFileSync(join(here, '..', '..', '..', 'test', 'fixtures', 'xml', name), 'utf8');

async function expectError(
  input: string | Uint8Array | readonly (string | Uint8Array)[],
  code: string,
  message: string | RegExp,
  recordElement = 'o',
): Promise<void> {
  const error = await failure(input, { recordElement });
  expect(TransformError.is(error)).toBe(true);
  expect(error).toMatchObject({ code });
  expect((error as Error).message).toMatch(message);
}

describe('readXml refuses DTDs and entities beyond the predefined five', () => {
  it('billion laughs: refused at the DOCTYPE, nothing expanded', async () => {
    const started = Date.now();
    await expectError(
      fixture('billion-laughs.xml'),
      'unsupported_input',
      /^a DOCTYPE declaration .* at line 2, column 1$/,
      'lolz',
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('external entities to a file and to a URL: refused at the DOCTYPE', async () => {
    await expectError(
      fixture('xxe-file.xml'),
      'unsupported_input',
      /DOCTYPE.*line 2, column 1/,
      'foo',
    );
    await expectError(
      fixture('xxe-http.xml'),
      'unsupported_input',
      /DOCTYPE.*line 2, column 1/,
      'foo',
    );
  });

  it('a DOCTYPE with an internal subset, or even a bare one, is refused', async () => {
    await expectError(
      '<!DOCTYPE r [<!ELEMENT r ANY>]><r/>',
      'unsupported_input',
      /line 1, column 1/,
    );
    await expectError('<r/>\n<!DOCTYPE r>', 'unsupported_input', /line 2, column 1/);
  });

  it('an entity reference without a DTD is undefined, never looked up', async () => {
    await expectError(
      '<r><o>&xxe;</o></r>',
      'malformed_input',
      /^an undefined entity .* at line 1, column 7$/,
    );
    await expectError(
      '<r><o a="&lol9;"/></r>',
      'malformed_input',
      /undefined entity .* line 1, column 10/,
    );
  });

  it('the reader code opens no file, socket or URL', () => {
    for (const file of readdirSync(here).filter(
      (name) => name.endsWith('.ts') && !/\.(test|spec)\.ts$/.test(name),
    )) {
      const source = readFileSync(join(here, file), 'utf8');
      expect([
        file,
        source.match(
          /from '(node:)?(fs|http|https|net|dns|child_process|fs\/promises)'|fetch\(|import\(/g,
        ),
      ]).toEqual([file, null]);
    }
  });
});

describe('readXml well-formedness errors name line and column', () => {
  it.each([
    [
      'unclosed tag at end of input',
      '<r>\n<o>\n<a>x</a>',
      /^unexpected end of input at line 3, column 9: <o> opened at line 2, column 1 is not closed$/,
    ],
    [
      'mismatched tags',
      '<r>\n  <o><a></b></o></r>',
      /^end tag <\/b> at line 2, column 9 does not match <a> opened at line 2, column 6$/,
    ],
    [
      'truncated inside a tag',
      '<r><o a="1',
      /^unexpected end of input inside markup that starts at line 1, column 4; input ends at line 1, column 11$/,
    ],
    [
      'an end tag with nothing open',
      '</r>',
      /^an end tag with no open element at line 1, column 1$/,
    ],
    [
      'attribute without quotes',
      '<r><o a=1/></r>',
      /^a quoted attribute value expected at line 1, column 9$/,
    ],
    [
      'attribute without value',
      '<r><o a/></r>',
      /^an "=" expected after an attribute name at line 1, column 8$/,
    ],
    [
      'attributes without whitespace',
      '<r><o a="1"b="2"/></r>',
      /^whitespace expected before an attribute at line 1, column 12$/,
    ],
    [
      'duplicate attributes',
      '<r><o a="1" a="2"/></r>',
      /^a duplicate attribute at line 1, column 4$/,
    ],
    [
      '"<" in an attribute value',
      '<r><o a="<"/></r>',
      /^a "<" in an attribute value at line 1, column 10$/,
    ],
    ['text before the root', 'hello<r/>', /^text outside the root element at line 1, column 1$/],
    ['text after the root', '<r/>\n  x', /^text outside the root element at line 1, column 5$/],
    ['a second root', '<r/><r/>', /^a second root element at line 1, column 5$/],
    [
      'a character reference after the root',
      '<r/>&#32;',
      /^text outside the root element at line 1, column 5$/,
    ],
    [
      'CDATA before the root',
      '<![CDATA[ ]]><r/>',
      /^text outside the root element at line 1, column 1$/,
    ],
    ['an empty document', '  \n', /^no root element \(the input ends at line 2, column 1\)$/],
    [
      'a bare "&"',
      '<r>a & b</r>',
      /^an "&" that does not start a reference \(write &amp;\) at line 1, column 6$/,
    ],
    [
      'a reference to NUL',
      '<r>&#0;</r>',
      /^a character reference to a character XML does not allow at line 1, column 4$/,
    ],
    ['a reference to a surrogate', '<r>&#xD800;</r>', /not allow at line 1, column 4$/],
    ['a reference beyond Unicode', '<r>&#x110000;</r>', /not allow at line 1, column 4$/],
    ['"]]>" in text', '<r>a]]>b</r>', /^"]]>" in text at line 1, column 5$/],
    ['"--" in a comment', '<r><!-- a -- b --></r>', /^"--" inside a comment at line 1, column 11$/],
    [
      'an XML declaration not at the start',
      ' <?xml version="1.0"?><r/>',
      /^an XML declaration that is not at the start at line 1, column 2$/,
    ],
    [
      'a malformed XML declaration',
      '<?xml encoding="UTF-8"?><r/>',
      /^malformed XML declaration at line 1, column 1$/,
    ],
    [
      'an undeclared prefix',
      '<r><p:o/></r>',
      /^an element with an undeclared namespace prefix at line 1, column 4$/,
    ],
    [
      'a name with two colons',
      '<r><a:b:c/></r>',
      /^an element name that is not a namespace-qualified name at line 1, column 4$/,
    ],
    [
      '"<" followed by a non-name',
      '<r>< o/></r>',
      /^a "<" that starts no tag \(write &lt; in text\) at line 1, column 4$/,
    ],
    [
      'a "<!" that is nothing',
      '<r><!ELEMENT x></r>',
      /^a "<!" that starts no comment or CDATA section at line 1, column 4$/,
    ],
  ])('%s', async (_what, xml, message) => {
    await expectError(xml, 'malformed_input', message);
  });

  it('stops at a NUL or other disallowed character, naming where it is', async () => {
    await expectError(
      '<r>\n<o>a\u0000b</o></r>',
      'malformed_input',
      /^character U\+0000 is not allowed in XML at line 2, column 5$/,
    );
    await expectError(
      '<r a="\u0001"/>',
      'malformed_input',
      /^character U\+0001 is not allowed in XML at line 1, column 7$/,
    );
    await expectError(
      '<r>\uFFFE</r>',
      'malformed_input',
      /U\+FFFE is not allowed in XML at line 1, column 4$/,
    );
  });

  it('yields the records before an error, then throws', async () => {
    const streamed: unknown[] = [];
    const read = async (): Promise<void> => {
      for await (const r of readXml(chunks(['<r><o/>', '<o>']), { recordElement: 'o' }))
        streamed.push(r);
    };
    await expect(read()).rejects.toMatchObject({ code: 'malformed_input' });
    expect(streamed).toEqual([{ ok: true, line: 1, record: {} }]);
  });

  it('fails every truncation of a document with malformed_input, never hanging', async () => {
    const xml =
      '<?xml version="1.0"?><r xmlns:p="urn:p"><o p:a="1&amp;2"><![CDATA[x]]><!--c--><?pi?>t&#233;</o></r>';
    for (let end = 0; end < xml.length; end++) {
      const error = await failure(xml.slice(0, end), { recordElement: 'o' });
      expect([end, (error as TransformError | undefined)?.code]).toEqual([end, 'malformed_input']);
      expect((error as Error).message).toMatch(/line 1, column \d+/);
    }
  });
});

describe('readXml limits', () => {
  it('10,000-level nesting stops at maxDepth (default 256)', async () => {
    const deep = `${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`;
    await expectError(
      deep,
      'limit_exceeded',
      /^elements nested deeper than 256 at line 1, column 769$/,
    );
    const error = await failure(deep, { recordElement: 'a', maxDepth: 10 });
    expect(error).toMatchObject({
      code: 'limit_exceeded',
      message: expect.stringContaining('deeper than 10'),
    });
  });

  it('a huge attribute value beyond the 16 MiB default ends the stream with limit_exceeded', async () => {
    const pieces = ['<r><o a="'];
    for (let i = 0; i < 17; i++) pieces.push('x'.repeat(1024 * 1024));
    pieces.push('"/></r>');
    await expectError(
      pieces,
      'limit_exceeded',
      /^a single tag, text run, comment or CDATA section exceeds 16777216 characters at line 1, column 4$/,
    );
  });

  it('too many attributes and too long names', async () => {
    const many = `<r><o ${Array.from({ length: 257 }, (_, i) => `a${i}="1"`).join(' ')}/></r>`;
    await expectError(
      many,
      'limit_exceeded',
      /^more than 256 attributes on one element at line 1, column 4$/,
    );
    await expectError(
      `<r><${'n'.repeat(1025)}/></r>`,
      'limit_exceeded',
      /^a name longer than 1024 characters at line 1, column 5$/,
    );
    await expectError(
      `<r><o ${'n'.repeat(1025)}="1"/></r>`,
      'limit_exceeded',
      /^a name longer than 1024 characters at line 1, column 7$/,
    );
  });
});

describe('readXml encodings', () => {
  const utf16 = (text: string, little: boolean, bom: boolean): Uint8Array => {
    const bytes = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
    const all = (bom ? '\uFEFF' : '') + text;
    for (let i = 0; i < all.length; i++) {
      const c = all.charCodeAt(i);
      bytes[2 * i + (little ? 0 : 1)] = c & 0xff;
      bytes[2 * i + (little ? 1 : 0)] = c >> 8;
    }
    return bytes;
  };
  const doc = '<?xml version="1.0" encoding="UTF-16"?><r><o>Zoë 😀</o></r>';

  it.each([
    ['UTF-16LE with BOM', utf16(doc, true, true)],
    ['UTF-16BE with BOM', utf16(doc, false, true)],
    ['UTF-16LE without BOM', utf16(doc, true, false)],
    ['UTF-16BE without BOM', utf16(doc, false, false)],
  ])('reads %s', async (_what, bytes) => {
    expect(await readAll(bytes, { recordElement: 'o' })).toEqual([
      { ok: true, line: 1, record: { '#text': 'Zoë 😀' } },
    ]);
  });

  it('reads UTF-8 with and without BOM, and ISO-8859-1 when declared', async () => {
    const utf8 = new TextEncoder().encode('\uFEFF<r><o>Zoë</o></r>');
    expect(await readAll(utf8, { recordElement: 'o' })).toEqual([
      { ok: true, line: 1, record: { '#text': 'Zoë' } },
    ]);
    const latin1 = Uint8Array.from(
      [...'<?xml version="1.0" encoding="ISO-8859-1"?><r><o>Zo']
        .map((c) => c.charCodeAt(0))
        .concat(
          [0xeb],
          [...'</o></r>'].map((c) => c.charCodeAt(0)),
        ),
    );
    expect(await readAll(latin1, { recordElement: 'o' })).toEqual([
      { ok: true, line: 1, record: { '#text': 'Zoë' } },
    ]);
    expect(await readAll(latin1, { recordElement: 'o', encoding: 'latin1' })).toHaveLength(1);
  });

  it('invalid UTF-8 fails with the byte offset', async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('<r><o>'),
      0xc3,
      0x28,
      ...new TextEncoder().encode('</o></r>'),
    ]);
    await expectError(bytes, 'invalid_encoding', /^invalid UTF-8 sequence at byte 6$/);
  });

  it('refuses other encodings and contradictions', async () => {
    const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
    await expectError(
      ascii('<?xml version="1.0" encoding="Shift_JIS"?><r/>'),
      'unsupported_input',
      /^encoding "Shift_JIS" declared at line 1 is not supported/,
    );
    await expectError(
      ascii('<?xml version="1.0" encoding="UTF-16"?><r/>'),
      'malformed_input',
      /contradicts/,
    );
    await expectError(
      utf16('<?xml version="1.0" encoding="UTF-8"?><r/>', true, true),
      'malformed_input',
      /contradicts/,
    );
    await expectError(
      Uint8Array.from([0, 0, 0, 0x3c, 0, 0, 0, 0x72]),
      'unsupported_input',
      /UTF-32/,
    );
  });
});
