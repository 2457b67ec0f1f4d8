// The format registry: one name per format, mapping to its reader, writer and (where one
// exists) interface inference. The pipeline, test mode and the CLI look formats up here only.
import { extname } from 'node:path';
import { TransformError } from '../errors.js';
import { inferJsonInterface } from '../interfaces/infer.js';
import type { RecordInterface } from '../interfaces/model.js';
import {
  readCsv,
  writeCsv,
  type CsvReadOptions,
  type CsvWriteOptions,
} from '../formats/csv/index.js';
import {
  readFixedWidth,
  writeFixedWidth,
  type FixedWidthLayout,
  type FixedWidthReadOptions,
  type FixedWidthWriteOptions,
} from '../formats/fixed-width/index.js';
import {
  readJsonArray,
  writeJsonArray,
  type JsonArrayReadOptions,
  type JsonArrayWriteOptions,
} from '../formats/json/index.js';
import {
  DEFAULT_XML_LIMITS,
  readXml,
  writeXml,
  type XmlReadOptions,
  type XmlWriteOptions,
} from '../formats/xml/index.js';
import { readNdjson, type RecordResult } from '../ndjson-reader.js';
import { writeNdjson } from '../ndjson-writer.js';

export type FormatName = 'ndjson' | 'json' | 'csv' | 'xml' | 'fixed-width';
export const FORMAT_NAMES: readonly FormatName[] = ['ndjson', 'json', 'csv', 'xml', 'fixed-width'];

/** Format-specific options, passed through to the format's reader or writer unchanged. */
export type FormatOptions = Readonly<Record<string, unknown>>;

export interface FormatHandler {
  readonly name: FormatName;
  /** File name extensions (lower case, with the dot) that select this format. */
  readonly extensions: readonly string[];
  read(
    source: AsyncIterable<Uint8Array | string>,
    options?: FormatOptions,
  ): AsyncIterable<RecordResult>;
  write(
    records: AsyncIterable<unknown> | Iterable<unknown>,
    options?: FormatOptions,
  ): AsyncIterable<string | Uint8Array>;
  /** Deepest target record the writer takes, when below runTransform's default (`maxRecordDepth`). */
  readonly maxRecordDepth?: number;
  /** Infers the interface of records like `samples`, when the format supports it. */
  inferInterface?(samples: readonly unknown[]): RecordInterface;
}

/** What `xml` writes when no options name the elements. */
export const XML_WRITE_DEFAULTS = Object.freeze({
  rootElement: 'records',
  recordElement: 'record',
});

/** Fixed-width needs its layout: given as `options.layout`, the rest are reader/writer options. */
function fixedWidthLayout(options: FormatOptions | undefined): {
  layout: FixedWidthLayout;
  rest: FormatOptions;
} {
  const { layout, ...rest } = options ?? {};
  if (typeof layout !== 'object' || layout === null)
    throw new TransformError(
      'invalid_option',
      'fixed-width needs options.layout (the field positions)',
    );
  return { layout: layout as FixedWidthLayout, rest };
}

const handlers = new Map<FormatName, FormatHandler>([
  [
    'ndjson',
    {
      name: 'ndjson',
      extensions: ['.ndjson', '.jsonl'],
      read: (source, options) => readNdjson(source, options),
      write: (records) => writeNdjson(records),
      inferInterface: (samples) => inferJsonInterface(samples),
    },
  ],
  [
    'csv',
    {
      name: 'csv',
      extensions: ['.csv'],
      read: (source, options) => readCsv(source, options as CsvReadOptions | undefined),
      write: (records, options) => writeCsv(records, options as CsvWriteOptions | undefined),
    },
  ],
  [
    'json',
    {
      name: 'json',
      extensions: ['.json'],
      read: (source, options) => readJsonArray(source, options as JsonArrayReadOptions | undefined),
      write: (records, options) =>
        writeJsonArray(records, options as JsonArrayWriteOptions | undefined),
      inferInterface: (samples) => inferJsonInterface(samples),
    },
  ],
  [
    'xml',
    {
      name: 'xml',
      extensions: ['.xml'],
      // the record element has no sensible default when reading: the reader asks for it
      // the writer refuses objects nested deeper than the reader reads (root element included)
      maxRecordDepth: DEFAULT_XML_LIMITS.maxDepth - 1,
      read: (source, options) => readXml(source, (options ?? {}) as unknown as XmlReadOptions),
      write: (records, options) =>
        writeXml(records, {
          ...XML_WRITE_DEFAULTS,
          ...(options as Partial<XmlWriteOptions> | undefined),
        }),
    },
  ],
  [
    'fixed-width',
    {
      name: 'fixed-width',
      extensions: ['.txt', '.dat'],
      read: (source, options) => {
        const { layout, rest } = fixedWidthLayout(options);
        return readFixedWidth(source, layout, rest as FixedWidthReadOptions);
      },
      write: (records, options) => {
        const { layout, rest } = fixedWidthLayout(options);
        return writeFixedWidth(records, layout, rest as FixedWidthWriteOptions);
      },
    },
  ],
]);

const EXTENSIONS: ReadonlyMap<string, FormatName> = new Map([
  ['.ndjson', 'ndjson'],
  ['.jsonl', 'ndjson'],
  ['.json', 'json'],
  ['.csv', 'csv'],
  ['.xml', 'xml'],
  ['.txt', 'fixed-width'],
  ['.dat', 'fixed-width'],
]);

export function isFormatName(value: unknown): value is FormatName {
  return typeof value === 'string' && (FORMAT_NAMES as readonly string[]).includes(value);
}

/** The handler of a format; TransformError `invalid_option` for an unknown or not-yet-available one. */
export function getFormat(name: string): FormatHandler {
  if (!isFormatName(name))
    throw new TransformError(
      'invalid_option',
      `unknown format "${name.slice(0, 40)}"; formats are ${FORMAT_NAMES.join(', ')}`,
    );
  const handler = handlers.get(name);
  if (!handler)
    throw new TransformError(
      'invalid_option',
      `format "${name}" is not available in this build; available: ${availableFormats().join(', ')}`,
    );
  return handler;
}

/** The formats this build can read and write. */
export function availableFormats(): FormatName[] {
  return FORMAT_NAMES.filter((name) => handlers.has(name));
}

/** The format a file name's extension implies, if any. */
export function formatOfFile(path: string): FormatName | undefined {
  return EXTENSIONS.get(extname(path).toLowerCase());
}
