import { TransformError } from '../../errors.js';
import { quotedName } from '../../internal/short-name.js';
import type { TextEncodingName } from '../text/decoding.js';
import { requireRecords } from '../text/source.js';
import { describeCodePoint, INVALID_CHAR, isQName } from './names.js';
import { resolveNamespaceMap } from './namespaces.js';
import { DEFAULT_XML_LIMITS } from './reader.js';

export interface XmlWriteOptions {
  /** The document element's key, e.g. `Orders` or `ns:Orders` (prefix from `namespaces`). */
  readonly rootElement: string;
  /** Each record's element key, e.g. `Order`. */
  readonly recordElement: string;
  /** Prefix → namespace URI, declared on the root element; the prefix '' declares the default namespace. */
  readonly namespaces?: Readonly<Record<string, string>>;
  /** Start with `<?xml version="1.0" encoding="…"?>`. Default true. */
  readonly declaration?: boolean;
  /**
   * The encoding the caller will encode the text with (encodeText), named in the declaration.
   * Default 'utf-8'. With 'latin1', characters above U+00FF in text and attribute values are
   * written as character references.
   */
  readonly encoding?: TextEncodingName;
  /** Indent nested elements (two spaces, or the string given); default false (compact). */
  readonly pretty?: boolean | { readonly indent: string };
}

const DECLARED_NAMES: Readonly<Record<TextEncodingName, string>> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16',
  'utf-16be': 'UTF-16',
  latin1: 'ISO-8859-1',
};

// The reader's default depth limit counts the root and record elements too.
const MAX_VALUE_DEPTH = DEFAULT_XML_LIMITS.maxDepth - 2;

interface WritePlan {
  readonly root: string;
  readonly record: string;
  readonly prefixes: ReadonlySet<string>;
  readonly head: string;
  readonly indent: string | undefined;
  readonly latin1: boolean;
}

function resolveWriteOptions(options: XmlWriteOptions | undefined): WritePlan {
  if (typeof options !== 'object' || options === null) {
    throw new TransformError(
      'invalid_option',
      'writeXml needs options with rootElement and recordElement',
    );
  }
  const namespaces = resolveNamespaceMap(options.namespaces, 'namespaces');
  const prefixes = new Set(Object.keys(namespaces).filter((prefix) => prefix !== ''));
  const elementName = (value: unknown, option: string): string => {
    if (typeof value !== 'string' || !isQName(value)) {
      throw new TransformError('invalid_option', `${option} must be an XML element name`);
    }
    const colon = value.indexOf(':');
    if (colon !== -1 && !prefixes.has(value.slice(0, colon))) {
      throw new TransformError(
        'invalid_option',
        `${option} uses a prefix that namespaces does not map`,
      );
    }
    return value;
  };
  const root = elementName(options.rootElement, 'rootElement');
  const record = elementName(options.recordElement, 'recordElement');
  const encoding = options.encoding ?? 'utf-8';
  if (!Object.hasOwn(DECLARED_NAMES, encoding)) {
    throw new TransformError(
      'invalid_option',
      'encoding must be one of utf-8, utf-16le, utf-16be, latin1',
    );
  }
  const declaration = options.declaration ?? true;
  if (typeof declaration !== 'boolean')
    throw new TransformError('invalid_option', 'declaration must be a boolean');
  const pretty = options.pretty ?? false;
  let indent: string | undefined;
  if (pretty === true) indent = '  ';
  else if (
    typeof pretty === 'object' &&
    pretty !== null &&
    typeof pretty.indent === 'string' &&
    /^[ \t]*$/.test(pretty.indent)
  ) {
    indent = pretty.indent;
  } else if (pretty !== false) {
    throw new TransformError(
      'invalid_option',
      'pretty must be a boolean or { indent } of spaces and tabs',
    );
  }
  let head = declaration ? `<?xml version="1.0" encoding="${DECLARED_NAMES[encoding]}"?>` : '';
  if (declaration && indent !== undefined) head += '\n';
  head += `<${root}`;
  for (const [prefix, uri] of Object.entries(namespaces)) {
    head += ` ${prefix === '' ? 'xmlns' : `xmlns:${prefix}`}="${escapeAttribute(uri, false)}"`;
  }
  head += '>';
  if (indent !== undefined) head += '\n';
  return { root, record, prefixes, head, indent, latin1: encoding === 'latin1' };
}

/**
 * Writes records as one XML document: the declaration and root element, then one string per
 * record, then the root's end tag. The reverse of readXml's conversion: `@name` keys become
 * attributes, `#text` the element's text, arrays repeated elements. A value XML cannot carry
 * throws (from the iteration) TransformError `not_representable` naming the record (from 1) and
 * the key path. Options are checked here, before any record is read.
 */
export function writeXml(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  options: XmlWriteOptions,
): AsyncIterable<string> {
  const plan = resolveWriteOptions(options);
  requireRecords(records, 'writeXml');
  return writeDocument(records, plan);
}

async function* writeDocument(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  plan: WritePlan,
): AsyncGenerator<string> {
  yield plan.head;
  let number = 0;
  for await (const record of records) {
    number += 1;
    const writer = new RecordWriter(plan, number);
    if (!isPlainObject(record)) throw writer.problem('a record must be an object', []);
    const indent = plan.indent;
    yield `${writer.element(plan.record, record, [], indent ?? '', 0)}${indent === undefined ? '' : '\n'}`;
  }
  yield `</${plan.root}>${plan.indent === undefined ? '' : '\n'}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const TEXT_SPECIAL = /[&<>\r]/;
const ATTRIBUTE_SPECIAL = /[&<>"\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function escapeWith(text: string, special: RegExp, all: RegExp, latin1: boolean): string {
  let out = special.test(text) ? text.replace(all, (c) => ESCAPES[c]!) : text;
  if (latin1 && /[\u0100-\u{10FFFF}]/u.test(out)) {
    out = out.replace(/[\u0100-\u{10FFFF}]/gu, (c) => `&#${c.codePointAt(0)!};`);
  }
  return out;
}

function escapeText(text: string, latin1: boolean): string {
  return escapeWith(text, TEXT_SPECIAL, /[&<>\r]/g, latin1);
}

function escapeAttribute(text: string, latin1: boolean): string {
  return escapeWith(text, ATTRIBUTE_SPECIAL, /[&<>"\t\n\r]/g, latin1);
}

const describeStep = (step: string | number, i: number): string =>
  typeof step === 'number' ? `[${step}]` : `${i === 0 ? '' : '.'}${quotedName(step)}`;

// Names are cut to 80 characters and a deep path to its first and last steps, so the message
// stays short whatever the record holds.
const describePath = (path: readonly (string | number)[]): string => {
  if (path.length === 0) return 'the record';
  if (path.length <= 10) return path.map(describeStep).join('');
  const last = path.length - 5;
  return `${path.slice(0, 4).map(describeStep).join('')}…${path
    .slice(last)
    .map((step, i) => describeStep(step, last + i))
    .join('')}`;
};

/** Writes one record; knows its number and the path to the value being written, for errors. */
class RecordWriter {
  private readonly ancestors = new Set<object>();

  constructor(
    private readonly plan: WritePlan,
    private readonly number: number,
  ) {}

  problem(what: string, path: readonly (string | number)[]): TransformError {
    return new TransformError(
      'not_representable',
      `record ${this.number}: ${what} (at ${describePath(path)})`,
    );
  }

  /** `<name …>…</name>` for one value (not an array). */
  element(
    name: string,
    value: unknown,
    path: (string | number)[],
    indent: string,
    depth: number,
  ): string {
    if (value === null) return `${indent}<${name}/>`;
    if (!isPlainObject(value)) {
      const text = this.scalar(value, path);
      return text === '' ? `${indent}<${name}/>` : `${indent}<${name}>${text}</${name}>`;
    }
    if (depth > MAX_VALUE_DEPTH)
      throw this.problem(`nesting deeper than ${MAX_VALUE_DEPTH} levels`, path);
    if (this.ancestors.has(value)) throw this.problem('a circular reference', path);
    this.ancestors.add(value);
    let attributes = '';
    let text = '';
    const children: [string, unknown][] = [];
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === undefined) continue;
      path.push(key);
      if (key.startsWith('@')) {
        this.checkName(key.slice(1), path, true);
        if (item !== null) {
          if (typeof item === 'object' && !(item instanceof Date))
            throw this.problem('an object or array as an attribute value', path);
          attributes += ` ${key.slice(1)}="${this.scalar(item, path, true)}"`;
        }
      } else if (key === '#text') {
        if (item !== null) {
          if (typeof item === 'object' && !(item instanceof Date))
            throw this.problem('an object or array as text', path);
          text = this.scalar(item, path);
        }
      } else {
        this.checkName(key, path, false);
        children.push([key, item]);
      }
      path.pop();
    }
    let body = text;
    if (children.length > 0 && text !== '' && /^[ \t\n]*$/.test(text)) {
      path.push('#text');
      throw this.problem('whitespace-only text beside child elements, which reading drops', path);
    }
    // Mixed content is written compact: indentation would become part of the text.
    const childIndent =
      this.plan.indent === undefined || text !== '' ? undefined : indent + this.plan.indent;
    for (const [key, item] of children) {
      path.push(key);
      body += this.children(key, item, path, childIndent, depth + 1);
      path.pop();
    }
    this.ancestors.delete(value);
    if (body === '') return `${indent}<${name}${attributes}/>`;
    const close = childIndent !== undefined && children.length > 0 ? `\n${indent}` : '';
    return `${indent}<${name}${attributes}>${body}${close}</${name}>`;
  }

  private children(
    key: string,
    item: unknown,
    path: (string | number)[],
    indent: string | undefined,
    depth: number,
  ): string {
    const lead = indent === undefined ? '' : '\n';
    if (!Array.isArray(item)) return lead + this.element(key, item, path, indent ?? '', depth);
    let out = '';
    for (let i = 0; i < item.length; i++) {
      const entry: unknown = item[i];
      path.push(i);
      if (entry === undefined) throw this.problem('undefined as an array item', path);
      if (Array.isArray(entry)) throw this.problem('an array directly inside an array', path);
      out += lead + this.element(key, entry, path, indent ?? '', depth);
      path.pop();
    }
    return out;
  }

  private scalar(value: unknown, path: readonly (string | number)[], attribute = false): string {
    let text: string;
    switch (typeof value) {
      case 'string':
        text = value;
        break;
      case 'number':
        if (!Number.isFinite(value)) throw this.problem(`the number ${String(value)}`, path);
        text = String(value);
        break;
      case 'boolean':
      case 'bigint':
        text = String(value);
        break;
      case 'object':
        if (value instanceof Date && !Number.isNaN(value.getTime())) {
          text = value.toISOString();
          break;
        }
        throw this.problem(
          value instanceof Date ? 'an invalid Date' : 'an object that is not plain data',
          path,
        );
      default:
        throw this.problem(`a ${typeof value}`, path);
    }
    const bad = INVALID_CHAR.exec(text);
    if (bad !== null) {
      throw this.problem(
        `character ${describeCodePoint(text, bad.index)}, which XML 1.0 does not allow`,
        path,
      );
    }
    return attribute ? escapeAttribute(text, this.plan.latin1) : escapeText(text, this.plan.latin1);
  }

  private checkName(name: string, path: readonly (string | number)[], attribute: boolean): void {
    if (!isQName(name) || name === 'xmlns' || name.startsWith('xmlns:')) {
      throw this.problem(
        `a key that is not ${attribute ? 'an XML attribute' : 'an XML element'} name`,
        path,
      );
    }
    if (this.plan.latin1 && /[\u0100-\u{10FFFF}]/u.test(name)) {
      throw this.problem('a name with characters latin1 cannot encode', path);
    }
    const colon = name.indexOf(':');
    if (colon === -1) return;
    const prefix = name.slice(0, colon);
    if (!this.plan.prefixes.has(prefix) && !(attribute && prefix === 'xml')) {
      throw this.problem('a key whose prefix namespaces does not map', path);
    }
  }
}
