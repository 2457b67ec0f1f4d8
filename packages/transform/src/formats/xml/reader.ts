import { TransformError } from '../../errors.js';
import type { RecordInterface } from '../../interfaces/model.js';
import type { RecordResult } from '../../ndjson-reader.js';
import type { TextEncodingName } from '../text/decoding.js';
import { requireAsyncIterable } from '../text/source.js';
import { decodeXmlSource } from './encoding.js';
import { isQName } from './names.js';
import { KeyNamer, resolveNamespaceMap } from './namespaces.js';
import { type ReadPlan, XmlDocument } from './records.js';
import {
  END_OF_INPUT,
  END_TAG,
  NEED_MORE,
  START_TAG,
  type TokenizerLimits,
  XmlTokenizer,
} from './tokenizer.js';

export interface XmlReadOptions {
  /**
   * The repeating element that is one record: a key (`Order`, `ns:Order` with `ns` in
   * `namespaces`) or a path of keys matched against the end of the element path
   * (`Orders/Order`); a leading "/" anchors the path at the root (`/Orders/Order`).
   */
  readonly recordElement: string;
  /** Prefix → namespace URI: elements and attributes in these namespaces get `prefix:` keys. */
  readonly namespaces?: Readonly<Record<string, string>>;
  /** Decides arrays (repeated fields) and typed values (number, integer, boolean); see xmlInterface. */
  readonly interface?: RecordInterface;
  /** Child keys (anywhere in the record) or key paths from the record (`items/item`) that are always arrays. */
  readonly alwaysArray?: readonly string[];
  /** 'auto' (default): byte order mark, then the XML declaration's encoding. */
  readonly encoding?: TextEncodingName | 'auto';
  /** The largest record, in characters of its markup; a larger record fails alone. Default 16 MiB. */
  readonly maxRecordBytes?: number;
  /** The deepest element nesting in the document. Default 256. */
  readonly maxDepth?: number;
  /** The most attributes on one element. Default 256. */
  readonly maxAttributes?: number;
  /** The longest element or attribute name. Default 1024. */
  readonly maxNameLength?: number;
}

export const DEFAULT_XML_LIMITS = Object.freeze({
  maxRecordBytes: 16 * 1024 * 1024,
  maxDepth: 256,
  maxAttributes: 256,
  maxNameLength: 1024,
});

const ENCODINGS = ['auto', 'utf-8', 'utf-16le', 'utf-16be', 'latin1'];

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TransformError('invalid_option', `${name} must be a positive integer`);
  }
  return value;
}

/** Checks a key path such as `Orders/Order` or `ns:Order`: QName steps, prefixes from the map. */
export function parseKeyPath(
  value: unknown,
  option: string,
  namespaces: Readonly<Record<string, string>>,
): { steps: string[]; absolute: boolean } {
  if (typeof value !== 'string' || value === '') {
    throw new TransformError('invalid_option', `${option} must be a non-empty string`);
  }
  const absolute = value.startsWith('/');
  const steps = (absolute ? value.slice(1) : value).split('/');
  for (const step of steps) {
    if (!isQName(step))
      throw new TransformError(
        'invalid_option',
        `${option} must be element names separated by "/"`,
      );
    const colon = step.indexOf(':');
    const prefix = colon === -1 ? undefined : step.slice(0, colon);
    if (prefix !== undefined && prefix !== 'xml' && !Object.hasOwn(namespaces, prefix)) {
      throw new TransformError(
        'invalid_option',
        `${option} uses a prefix that namespaces does not map`,
      );
    }
  }
  return { steps, absolute };
}

interface ResolvedRead {
  readonly plan: ReadPlan;
  readonly limits: TokenizerLimits;
  readonly encoding: TextEncodingName | 'auto';
}

function resolveReadOptions(options: XmlReadOptions | undefined): ResolvedRead {
  if (typeof options !== 'object' || options === null) {
    throw new TransformError('invalid_option', 'readXml needs options with a recordElement');
  }
  const namespaces = resolveNamespaceMap(options.namespaces, 'namespaces');
  const record = parseKeyPath(options.recordElement, 'recordElement', namespaces);
  const iface = options.interface;
  if (
    iface !== undefined &&
    (typeof iface !== 'object' || iface === null || !Array.isArray(iface.fields))
  ) {
    throw new TransformError('invalid_option', 'interface must be a RecordInterface');
  }
  const arrayKeys = new Set<string>();
  const arrayPaths = new Set<string>();
  if (options.alwaysArray !== undefined) {
    if (!Array.isArray(options.alwaysArray)) {
      throw new TransformError(
        'invalid_option',
        'alwaysArray must be an array of keys or key paths',
      );
    }
    for (const entry of options.alwaysArray as unknown[]) {
      const path = parseKeyPath(entry, 'alwaysArray', namespaces);
      if (path.absolute)
        throw new TransformError(
          'invalid_option',
          'alwaysArray paths start at the record: no leading "/"',
        );
      (path.steps.length === 1 ? arrayKeys : arrayPaths).add(path.steps.join('/'));
    }
  }
  const encoding = options.encoding ?? 'auto';
  if (!ENCODINGS.includes(encoding)) {
    throw new TransformError('invalid_option', `encoding must be one of ${ENCODINGS.join(', ')}`);
  }
  const maxRecordChars = positiveInteger(
    options.maxRecordBytes,
    'maxRecordBytes',
    DEFAULT_XML_LIMITS.maxRecordBytes,
  );
  return {
    plan: {
      recordPath: record.steps,
      absolute: record.absolute,
      namer: new KeyNamer(namespaces),
      fields: iface?.fields,
      arrayKeys,
      arrayPaths,
      maxRecordChars,
      maxDepth: positiveInteger(options.maxDepth, 'maxDepth', DEFAULT_XML_LIMITS.maxDepth),
    },
    limits: {
      maxTokenChars: maxRecordChars,
      maxAttributes: positiveInteger(
        options.maxAttributes,
        'maxAttributes',
        DEFAULT_XML_LIMITS.maxAttributes,
      ),
      maxNameLength: positiveInteger(
        options.maxNameLength,
        'maxNameLength',
        DEFAULT_XML_LIMITS.maxNameLength,
      ),
    },
    encoding,
  };
}

/**
 * Reads XML as a stream of records: each element that matches `recordElement` becomes one plain
 * object (see docs/xml.md for the conversion). Memory is bounded by the largest record,
 * never by the document. Well-formedness errors, DTDs and unsupported encodings throw
 * TransformError naming line and column; a record that is too large or does not fit the
 * interface yields a failed result and reading goes on. Options are checked here, before reading.
 */
export function readXml(
  source: AsyncIterable<Uint8Array | string>,
  options: XmlReadOptions,
): AsyncIterable<RecordResult> {
  const resolved = resolveReadOptions(options);
  requireAsyncIterable(source, 'readXml');
  return readRecords(source, resolved);
}

async function* readRecords(
  source: AsyncIterable<Uint8Array | string>,
  { plan, limits, encoding }: ResolvedRead,
): AsyncGenerator<RecordResult> {
  const tokens = new XmlTokenizer(limits);
  const document = new XmlDocument(plan, tokens);
  const chunks = decodeXmlSource(source, encoding)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const kind = tokens.next();
      if (kind === START_TAG) {
        const result = document.startTag();
        if (result !== undefined) yield result;
      } else if (kind === END_TAG) {
        const result = document.endTag();
        if (result !== undefined) yield result;
      } else if (kind === NEED_MORE) {
        const step = await chunks.next();
        if (step.done === true) tokens.end();
        else tokens.push(step.value);
      } else if (kind === END_OF_INPUT) {
        break;
      } else {
        document.text();
      }
    }
  } finally {
    await chunks.return?.();
  }
  document.finish();
}
