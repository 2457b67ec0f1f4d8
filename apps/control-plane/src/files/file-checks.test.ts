import {
  MAX_FILE_BYTES,
  mediaTypeOf,
  parseFileKind,
  parseFileName,
  parseSha256,
} from './file-kinds.js';
import { fileReferences, referencedFiles } from './file-references.js';
import { FilesError } from './files-error.js';
import { recogniseSchema } from './schema-formats.js';
import { UploadBudget } from './upload-body.js';

const XS = 'http://www.w3.org/2001/XMLSchema';
const XSD = `<?xml version="1.0"?><xs:schema xmlns:xs="${XS}"><xs:element name="a" type="xs:string"/></xs:schema>`;

async function refusal(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    if (FilesError.is(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('recognising schemas', () => {
  it.each([
    ['an XSD', XSD, 'xsd', 'application/xml'],
    ['an XSD with a byte order mark', `\uFEFF${XSD}`, 'xsd', 'application/xml'],
    ['an XSD with a default namespace', `<schema xmlns="${XS}"/>`, 'xsd', 'application/xml'],
    [
      'a WSDL 2.0 description',
      '<description xmlns="http://www.w3.org/ns/wsdl"/>',
      'wsdl',
      'application/wsdl+xml',
    ],
    [
      'a JSON Schema',
      ' \n{"$schema":"https://json-schema.org/draft/2020-12/schema"}',
      'json-schema',
      'application/schema+json',
    ],
    [
      'a DTD with a conditional section, quoted > and parameter entities',
      '<!-- a -->\n<!ENTITY % draft "IGNORE">\n<![%draft;[<![INCLUDE[<!ELEMENT x EMPTY>]]>]]>\n<!ATTLIST a b CDATA "c > d">\n<?pi x?>\n%draft;\n<!NOTATION gif SYSTEM "image/gif">',
      'dtd',
      'application/xml-dtd',
    ],
  ])('accepts %s', async (_what, text, format, mediaType) => {
    expect(await recogniseSchema(Buffer.from(text))).toEqual({ format, mediaType });
  });

  it.each([
    ['JSON with a byte order mark', '\uFEFF{"type":"object"}', /byte order mark/],
    ['JSON with trailing text', '{"type":"object"} x', /not valid JSON/],
    ['a schema in another namespace', '<xs:schema xmlns:xs="urn:not-xsd"/>', /document element/],
    [
      'a DTD with an unclosed comment',
      '<!ELEMENT a EMPTY>\n<!-- open',
      /comment that is not closed at line 2/,
    ],
    ['a DTD with an unclosed declaration', '<!ELEMENT a (b', /declaration that is not closed/],
    ['a DTD with a NUL', '<!ELEMENT a EMPTY>\u0000', /control characters/],
    ['a DTD with nothing declared', '<![IGNORE[ ]]>', /no element/],
    ['an unclosed conditional section', '<!ELEMENT a EMPTY><![INCLUDE[', /conditional section/],
  ])('refuses %s', async (_what, text, message) => {
    expect(await refusal(recogniseSchema(Buffer.from(text)))).toEqual({
      code: 'FILE_INVALID',
      message: expect.stringMatching(message),
    });
  });
});

describe('file kinds, names and limits', () => {
  it('checks kind, name and content id', async () => {
    expect(parseFileKind('customization')).toBe('customization');
    expect(() => parseFileKind(['schema'])).toThrow(/kind must be/);
    expect(parseFileName('Rechnung (v2)_ünï.xsd')).toBe('Rechnung (v2)_ünï.xsd');
    for (const name of ['', '.hidden', 'a/b', 'a\\b', 'trailing.', 'x'.repeat(201), 'a\u202Eb']) {
      expect(() => parseFileName(name)).toThrow(/name must be/);
    }
    expect(() => parseSha256('A'.repeat(64))).toThrow(/no such file/);
    expect(parseSha256('a'.repeat(64))).toBe('a'.repeat(64));
  });

  it('types customizations by their first bytes and refuses empty or oversized files', async () => {
    expect(await mediaTypeOf('customization', Buffer.from('PK\u0003\u0004rest', 'latin1'))).toBe(
      'application/zip',
    );
    expect(await mediaTypeOf('customization', Buffer.from([0x1f, 0x8b, 8]))).toBe(
      'application/gzip',
    );
    expect(await mediaTypeOf('customization', Buffer.from('#!/bin/sh'))).toBe(
      'application/octet-stream',
    );
    expect((await refusal(mediaTypeOf('customization', Buffer.alloc(0)))).code).toBe(
      'FILE_INVALID',
    );
    expect(
      (await refusal(mediaTypeOf('schema', Buffer.alloc(MAX_FILE_BYTES.schema + 1, 0x20)))).code,
    ).toBe('FILE_TOO_LARGE');
  });

  it('finds the files a document names, well-formed references only', () => {
    const sha = 'f'.repeat(64);
    const document = {
      interfaces: {
        a: { format: 'xsd', file: `sha256:${sha}` },
        b: { format: 'json-schema', file: `sha256:${sha}` },
        c: { format: 'xsd', file: 'sha256:NOT-HEX' },
        d: { format: 'json-schema', schema: {} },
      },
    };
    expect(fileReferences(document)).toEqual([
      { sha256: sha, path: 'interfaces.a.file' },
      { sha256: sha, path: 'interfaces.b.file' },
    ]);
    expect(referencedFiles(document)).toEqual([sha]);
    expect(referencedFiles({ interfaces: [] })).toEqual([]);
    expect(referencedFiles(null)).toEqual([]);
  });
});

describe('the upload memory budget', () => {
  it('refuses past its capacity until reservations are released (once each)', () => {
    const budget = new UploadBudget(10);
    const first = budget.reserve(6);
    expect(() => budget.reserve(5)).toThrow(/too many uploads/);
    first();
    first();
    const second = budget.reserve(10);
    expect(() => budget.reserve(1)).toThrow(/too many uploads/);
    second();
    expect(() => budget.reserve(10)).not.toThrow();
  });
});
