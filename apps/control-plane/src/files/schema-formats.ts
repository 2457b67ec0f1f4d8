import { TransformError, readXml } from '@weft/transform';
import { FilesError } from './files-error.js';

export type SchemaFormat = 'json-schema' | 'xsd' | 'wsdl' | 'dtd';

const MEDIA_TYPES: Readonly<Record<SchemaFormat, string>> = {
  'json-schema': 'application/schema+json',
  xsd: 'application/xml',
  wsdl: 'application/wsdl+xml',
  dtd: 'application/xml-dtd',
};

// The document element each XML schema language has, as readXml record paths.
const XML_ROOTS: ReadonlyArray<{ format: SchemaFormat; path: string; namespace: string }> = [
  { format: 'xsd', path: '/s:schema', namespace: 'http://www.w3.org/2001/XMLSchema' },
  { format: 'wsdl', path: '/s:definitions', namespace: 'http://schemas.xmlsoap.org/wsdl/' },
  { format: 'wsdl', path: '/s:description', namespace: 'http://www.w3.org/ns/wsdl' },
];

/** C0 controls other than tab, line feed and carriage return (never in XML text). */
function hasControlCharacters(text: string): boolean {
  for (let at = 0; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return true;
  }
  return false;
}

function invalid(message: string): FilesError {
  return new FilesError('FILE_INVALID', message, 'body');
}

/**
 * Recognises a schema: UTF-8 text that is a JSON object (JSON Schema), a well-formed XML
 * document whose root is xs:schema (XSD) or a WSDL 1.1 / 2.0 root, or a DTD (markup
 * declarations only). A quick check of form, not of meaning: an interface built from the file
 * is checked again, whole, when a project naming it is pushed.
 */
export async function recogniseSchema(
  bytes: Buffer,
): Promise<{ format: SchemaFormat; mediaType: string }> {
  let text: string;
  try {
    // The BOM is kept, so the text re-encodes to exactly the bytes its sha256 names.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw invalid('a schema must be UTF-8 text');
  }
  const bom = text.startsWith('\uFEFF');
  const body = (bom ? text.slice(1) : text).trimStart();
  let format: SchemaFormat;
  if (body.startsWith('{') || body.startsWith('[')) {
    // validateProject and the agent read the text with JSON.parse, which refuses a BOM.
    if (bom) throw invalid('a JSON Schema must not start with a byte order mark');
    format = checkJsonSchema(body);
  } else if (body.startsWith('<')) {
    format = looksLikeDtd(body) ? checkDtd(body) : await checkXmlSchema(text);
  } else {
    throw invalid(
      'not a schema: expected a JSON Schema (a JSON object), an XSD or WSDL document, or a DTD',
    );
  }
  return { format, mediaType: MEDIA_TYPES[format] };
}

function checkJsonSchema(text: string): SchemaFormat {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('not a JSON Schema: the text is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('not a JSON Schema: it must be a JSON object');
  }
  return 'json-schema';
}

async function checkXmlSchema(text: string): Promise<SchemaFormat> {
  for (const root of XML_ROOTS) {
    let records = 0;
    try {
      const source = (async function* () {
        yield text;
      })();
      for await (const _ of readXml(source, {
        recordElement: root.path,
        namespaces: { s: root.namespace },
      })) {
        records += 1;
      }
    } catch (error) {
      // Well-formedness, a DOCTYPE (never processed), limits: the reader's message says where.
      if (TransformError.is(error)) throw invalid(`not a well-formed XML schema: ${error.message}`);
      throw error;
    }
    if (records > 0) return root.format;
  }
  throw invalid(
    'not an XML schema: the document element must be xs:schema (XSD) or a WSDL definitions / description element',
  );
}

/** A DTD starts (after an optional text declaration and comments) with a markup declaration. */
function looksLikeDtd(text: string): boolean {
  let at = skipSpace(text, 0);
  if (text.startsWith('<?xml', at)) at = skipSpace(text, text.indexOf('?>', at) + 2);
  while (text.startsWith('<!--', at)) {
    const end = text.indexOf('-->', at + 4);
    if (end < 0) return false;
    at = skipSpace(text, end + 3);
  }
  return /^(<!(ELEMENT|ATTLIST|ENTITY|NOTATION)\s|<!\[|%)/.test(text.slice(at, at + 12));
}

const DECLARATION = /^<!(ELEMENT|ATTLIST|ENTITY|NOTATION)\s/;
const PE_REFERENCE = /^%[A-Za-z_:][\w.:-]*;/;

/**
 * An external DTD subset: markup declarations, comments, processing instructions, conditional
 * sections and parameter-entity references, nothing else. Nothing is expanded or fetched.
 */
function checkDtd(text: string): SchemaFormat {
  if (hasControlCharacters(text)) throw invalid('not a DTD: it holds control characters');
  const fail = (what: string, at: number): never => {
    const line = text.slice(0, at).split('\n').length;
    throw invalid(`not a DTD: ${what} at line ${line}`);
  };
  let at = 0;
  let declarations = 0;
  if (text.startsWith('<?xml')) at = text.indexOf('?>') + 2;
  for (;;) {
    at = skipSpace(text, at);
    if (at >= text.length) break;
    if (text.startsWith('<!--', at)) {
      const end = text.indexOf('-->', at + 4);
      if (end < 0) fail('a comment that is not closed', at);
      at = end + 3;
    } else if (text.startsWith('<?', at)) {
      const end = text.indexOf('?>', at + 2);
      if (end < 0) fail('a processing instruction that is not closed', at);
      at = end + 2;
    } else if (text.startsWith('<![', at)) {
      at = skipConditional(text, at) ?? fail('a conditional section that is not closed', at);
    } else if (DECLARATION.test(text.slice(at, at + 12))) {
      at = skipDeclaration(text, at) ?? fail('a declaration that is not closed', at);
      declarations += 1;
    } else if (PE_REFERENCE.test(text.slice(at, at + 300))) {
      at += (PE_REFERENCE.exec(text.slice(at, at + 300)) as RegExpExecArray)[0].length;
    } else {
      fail('something other than a markup declaration', at);
    }
  }
  if (declarations === 0) fail('no element, attribute list, entity or notation declaration', 0);
  return 'dtd';
}

/** The position after a declaration's closing `>` (quoted literals may hold `>`). */
function skipDeclaration(text: string, start: number): number | undefined {
  for (let at = start + 2; at < text.length; at += 1) {
    const char = text[at];
    if (char === '"' || char === "'") {
      const end = text.indexOf(char, at + 1);
      if (end < 0) return undefined;
      at = end;
    } else if (char === '<') {
      return undefined;
    } else if (char === '>') {
      return at + 1;
    }
  }
  return undefined;
}

/** The position after a conditional section's `]]>`, nested sections included. */
function skipConditional(text: string, start: number): number | undefined {
  let depth = 0;
  for (let at = start; at < text.length;) {
    if (text.startsWith('<![', at)) {
      depth += 1;
      at += 3;
    } else if (text.startsWith(']]>', at)) {
      depth -= 1;
      at += 3;
      if (depth === 0) return at;
    } else {
      at += 1;
    }
  }
  return undefined;
}

function skipSpace(text: string, start: number): number {
  let at = start;
  while (at < text.length && ' \t\r\n'.includes(text[at] as string)) at += 1;
  return at;
}
