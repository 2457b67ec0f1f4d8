#!/usr/bin/env node
// Pipeline benchmark (not a test). For CSV → JSON, JSON → XML and XML → CSV (and NDJSON → NDJSON)
// through one 20-field mapping it measures, in one run and on the same input bytes:
//   floor    the bare parse + serialize with the same Weft reader and writer, no mapping;
//   weft     runTransform: reader → compiled mapping (with its validation rule) → writer;
//   baseline the same job without Weft: csv-parse + the `jsonata` package + JSON.stringify
//            (see BASELINES below for what stands in for csv-parse / JSON.stringify per format).
// Before timing, each baseline is checked to produce byte-for-byte the output Weft produces on a
// small input, so that the two do the same work. Prints MiB/s, records/s and the ratios.
// Run after `pnpm build`:  node bench/pipeline-bench.mjs [records, default 50000] [rounds, default 3]
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse';
import jsonata from 'jsonata';
import { inferJsonInterface } from '../dist/interfaces/index.js';
import { compileMapping } from '../dist/mapping/index.js';
import { availableFormats, getFormat, runTransform } from '../dist/pipeline/index.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** Source record `i` (from 1): 20 fields, strings and numbers, as an order export might have them. */
export function sourceRecord(i) {
  return {
    id: i,
    name: `Customer ${i}`,
    email: `user${i}@example.com`,
    country: ['DE', 'FR', 'NL', 'US'][i % 4],
    city: `City ${i % 97}`,
    street: `${i % 300} Main Street`,
    zip: String(10000 + (i % 89999)),
    amount: (i % 1000) + 0.25,
    quantity: i % 17,
    price: (i % 50) + 0.5,
    discount: i % 5,
    status: ['open', 'paid', 'void'][i % 3],
    created: '2024-03-05T10:11:12Z',
    sku: `SKU-${i % 5000}`,
    category: `cat${i % 12}`,
    note: i % 7 === 0 ? 'priority' : '',
    vat: 19,
    currency: 'EUR',
    channel: i % 2 ? 'web' : 'shop',
    score: i % 100,
  };
}

/** The 20 target fields: string, number and date functions, a condition, one validation rule. */
export const MAPPING_FIELDS = {
  orderId: 'id',
  customer: '$uppercase(name)',
  email: '$lowercase(email)',
  country: 'country',
  city: 'city',
  street: 'street',
  postcode: 'zip',
  total: '$round(quantity * price * (100 - discount) / 100, 2)',
  amount: 'amount',
  quantity: 'quantity',
  status: 'status = "paid" ? "PAID" : "OPEN"',
  created: '$substring(created, 0, 10)',
  sku: 'sku',
  category: 'category',
  priority: 'note = "priority"',
  vat: 'vat / 100',
  currency: 'currency',
  channel: 'channel',
  score: { value: 'score', validate: { minimum: 0, maximum: 100 } },
  label: 'sku & "/" & category',
};

export const mapping = compileMapping({ version: 1, records: [{ fields: MAPPING_FIELDS }] });

// CSV cells are text unless the columns are typed (as a CSV interface types them)
export const CSV_COLUMNS = Object.entries(sourceRecord(1)).map(([name, value]) => ({
  name,
  type: typeof value === 'number' ? 'number' : 'string',
}));
const NUMBER_FIELDS = new Set(CSV_COLUMNS.filter((c) => c.type === 'number').map((c) => c.name));

/** One CSV line (LF) of source record `i`, in CSV_COLUMNS order; no cell needs quoting. */
export function sourceCsvLine(i) {
  return `${Object.values(sourceRecord(i)).join(',')}\n`;
}
export const CSV_HEADER = `${CSV_COLUMNS.map((c) => c.name).join(',')}\n`;

// XML text is typed by an interface too; the registry writes <records><record>…
const XML_READ = { recordElement: 'record', interface: inferJsonInterface([sourceRecord(1)]) };
const readOptions = (format) =>
  format === 'csv' ? { columns: CSV_COLUMNS } : format === 'xml' ? XML_READ : undefined;

function* chunks(buffer) {
  for (let at = 0; at < buffer.length; at += CHUNK) yield buffer.subarray(at, at + CHUNK);
}
async function* asyncChunks(buffer) {
  yield* chunks(buffer);
}

async function encoded(format, count) {
  const parts = [];
  const records = (function* () {
    for (let i = 1; i <= count; i++) yield sourceRecord(i);
  })();
  for await (const chunk of getFormat(format).write(records)) parts.push(chunk);
  return Buffer.from(parts.join(''));
}

// ---- (a) floor and Weft ----------------------------------------------------------------------

/** Parse + serialize with the same reader and writer, no mapping: the floor. */
async function floor(input, inFormat, outFormat, emit) {
  async function* records() {
    for await (const result of getFormat(inFormat).read(asyncChunks(input), readOptions(inFormat)))
      if (result.ok) yield result.record;
  }
  for await (const chunk of getFormat(outFormat).write(records())) emit(chunk);
}

async function weft(input, inFormat, outFormat, emit) {
  const writer = getFormat(outFormat);
  const counts = await runTransform({
    reader: getFormat(inFormat).read(asyncChunks(input), readOptions(inFormat)),
    mapping,
    writer: async (records) => {
      for await (const chunk of writer.write(records)) emit(chunk);
    },
  });
  return counts.written;
}

// ---- (b) the same job without Weft -------------------------------------------------------------

// The mapping as one JSONata object constructor, compiled once: the cheapest way to ask the
// jsonata package for 20 fields (one evaluate per record rather than twenty).
const jsonataMapping = jsonata(
  `{ ${Object.entries(MAPPING_FIELDS)
    .map(([key, field]) => `"${key}": ${typeof field === 'string' ? field : field.value}`)
    .join(', ')} }`,
);
/** The mapping's one validation rule (score in 0..100), checked by hand as Weft checks it. */
const valid = (target) =>
  typeof target.score === 'number' && target.score >= 0 && target.score <= 100;

/** Maps source records with jsonata; records failing the rule are dropped (Weft counts them failed). */
async function* jsonataMapped(sourceRecords) {
  for await (const record of sourceRecords) {
    const target = await jsonataMapping.evaluate(record);
    if (valid(target)) yield target;
  }
}

/**
 * csv-parse with `columns: true`; the number columns are converted afterwards by a plain loop.
 * (csv-parse's own `cast` callback is ten times slower on this file — 5.4 s against 0.5 s for
 * 50,000 rows on this machine — and would make the baseline look worse than it need be.)
 */
async function* csvParseRecords(input) {
  const parser = parse({ columns: true });
  Readable.from(chunks(input)).pipe(parser);
  for await (const row of parser) {
    for (const name of NUMBER_FIELDS) row[name] = Number(row[name]);
    yield row;
  }
}

/** JSON.parse of the whole array at once (not streaming: the whole document is in memory). */
function* jsonParseRecords(input) {
  yield* JSON.parse(input.toString('utf8'));
}

function* ndjsonParseRecords(input) {
  for (const line of input.toString('utf8').split('\n')) if (line !== '') yield JSON.parse(line);
}

const XML_ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decodeXml = (text) =>
  text.includes('&')
    ? text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (_, name) =>
        name[0] === '#'
          ? String.fromCodePoint(Number(name[1] === 'x' ? `0${name.slice(1)}` : name.slice(1)))
          : XML_ENTITIES[name],
      )
    : text;
const XML_FIELD = /<([A-Za-z_][\w.-]*)(?:\/>|>([^<]*)<\/\1>)/g;

/**
 * The least an XML "parser" can do for this file: cut the decoded text at <record> … </record>
 * and read each flat child element with a regular expression (entities decoded, numbers typed as
 * the interface says). No well-formedness checks, attributes, namespaces, CDATA, comments,
 * nesting or limits — much less work than an XML parser, so it flatters the baseline.
 */
async function* xmlRegexRecords(input) {
  const decoder = new TextDecoder();
  let text = '';
  for (const chunk of chunks(input)) {
    text += decoder.decode(chunk, { stream: true });
    let from = 0;
    for (;;) {
      const start = text.indexOf('<record>', from);
      const end = start < 0 ? -1 : text.indexOf('</record>', start);
      if (end < 0) break;
      const record = {};
      for (const [, name, value = ''] of text.slice(start + 8, end).matchAll(XML_FIELD)) {
        const decoded = decodeXml(value);
        record[name] = NUMBER_FIELDS.has(name) ? Number(decoded) : decoded;
      }
      yield record;
      from = end + 9;
    }
    text = text.slice(from);
  }
}

async function* jsonArrayText(records) {
  let first = true;
  yield '[';
  for await (const record of records) {
    yield first ? JSON.stringify(record) : `,${JSON.stringify(record)}`;
    first = false;
  }
  yield ']\n';
}

const escapeXml = (text) =>
  /[&<>\r]/.test(text)
    ? text.replace(/[&<>\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] ?? '&#13;')
    : text;
/** A minimal XML serializer for flat records: the Weft writer's default layout. */
async function* xmlText(records) {
  yield '<?xml version="1.0" encoding="UTF-8"?><records>';
  for await (const record of records) {
    let element = '<record>';
    for (const [key, value] of Object.entries(record)) {
      const text = value === null || value === undefined ? '' : escapeXml(String(value));
      element += text === '' ? `<${key}/>` : `<${key}>${text}</${key}>`;
    }
    yield `${element}</record>`;
  }
  yield '</records>';
}

const csvCell = (value) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
/** A minimal RFC 4180 serializer: header from the first record, CRLF, quotes where needed. */
async function* csvText(records) {
  let first = true;
  for await (const record of records) {
    if (first) yield `${Object.keys(record).map(csvCell).join(',')}\r\n`;
    first = false;
    yield `${Object.values(record).map(csvCell).join(',')}\r\n`;
  }
}
const ndjsonText = async function* (records) {
  for await (const record of records) yield `${JSON.stringify(record)}\n`;
};

/** Per input format: how (b) reads it; per output format: how (b) writes it. */
export const BASELINES = {
  read: {
    csv: ['csv-parse (stream, columns: true; number columns converted by a loop)', csvParseRecords],
    json: ['JSON.parse of the whole array', jsonParseRecords],
    ndjson: ['split on \\n + JSON.parse per line', ndjsonParseRecords],
    xml: ['regex record extractor (no XML parser)', xmlRegexRecords],
  },
  write: {
    json: ['JSON.stringify per record, joined as one array', jsonArrayText],
    ndjson: ['JSON.stringify per record + \\n', ndjsonText],
    xml: ['hand XML serializer (escape &<>)', xmlText],
    csv: ['hand RFC 4180 serializer', csvText],
  },
};

/** (b): read → jsonata → write, streamed record by record like Weft. */
async function baseline(input, inFormat, outFormat, emit) {
  let written = 0;
  async function* counted(records) {
    for await (const record of records) {
      written++;
      yield record;
    }
  }
  const sourceRecords = BASELINES.read[inFormat][1](input);
  for await (const chunk of BASELINES.write[outFormat][1](counted(jsonataMapped(sourceRecords))))
    emit(chunk);
  return written;
}

// ---- run -------------------------------------------------------------------------------------

async function collect(run, ...args) {
  let text = '';
  const written = await run(...args, (chunk) => (text += chunk));
  return { text, written };
}

/** Weft and (b) must write the same bytes for the same input, or the comparison means nothing. */
async function checkSameOutput(inFormat, outFormat, count) {
  const input = await encoded(inFormat, count);
  const fromWeft = await collect(weft, input, inFormat, outFormat);
  const fromBaseline = await collect(baseline, input, inFormat, outFormat);
  if (fromWeft.written !== count || fromBaseline.written !== count)
    throw new Error(
      `${inFormat} → ${outFormat}: wrote ${fromWeft.written} / ${fromBaseline.written}`,
    );
  if (fromWeft.text !== fromBaseline.text) {
    let at = 0;
    while (fromWeft.text[at] === fromBaseline.text[at]) at++;
    throw new Error(
      `${inFormat} → ${outFormat}: outputs differ at ${at}:\n weft ${JSON.stringify(fromWeft.text.slice(at - 60, at + 60))}\n (b)  ${JSON.stringify(fromBaseline.text.slice(at - 60, at + 60))}`,
    );
  }
  return fromWeft.text.length;
}

async function main() {
  const count = Number(process.argv[2] ?? 50_000);
  const rounds = Number(process.argv[3] ?? 3);
  const scenarios = [
    ['csv', 'json'],
    ['json', 'xml'],
    ['xml', 'csv'],
    ['ndjson', 'ndjson'],
  ].filter(([from, to]) => availableFormats().includes(from) && availableFormats().includes(to));

  for (const [from, to] of scenarios) {
    const checkedChars = await checkSameOutput(from, to, 2_000);
    console.log(
      `checked ${from} → ${to}: weft and (b) wrote the same ${checkedChars} characters for 2,000 records`,
    );
  }
  console.log(
    `\npipeline bench: ${count.toLocaleString('en')} records, 20-field mapping, best of ${rounds} (rounds interleaved)`,
  );
  const header = [
    'scenario        ',
    'input MiB',
    'floor rec/s',
    'floor MiB/s',
    'weft rec/s',
    'weft MiB/s',
    '(b) rec/s',
    '(b) MiB/s',
    'weft ÷ floor time',
    'weft ÷ (b) throughput',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map((h) => '-'.repeat(h.length)).join(' | ')} |`);
  const cell = (value, width) => String(value).padStart(width);
  for (const [from, to] of scenarios) {
    const input = await encoded(from, count);
    const mib = input.length / MiB;
    const best = { floor: Infinity, weft: Infinity, baseline: Infinity };
    const runs = { floor, weft, baseline };
    for (let round = 0; round < rounds; round++) {
      for (const [name, run] of Object.entries(runs)) {
        let bytes = 0;
        const started = performance.now();
        await run(input, from, to, (chunk) => (bytes += chunk.length));
        best[name] = Math.min(best[name], (performance.now() - started) / 1000);
        if (bytes === 0) throw new Error(`${name} wrote nothing`);
      }
    }
    const recs = (seconds) => Math.round(count / seconds).toLocaleString('en');
    console.log(
      `| ${[
        `${from} → ${to}`.padEnd(16),
        cell(mib.toFixed(1), 9),
        cell(recs(best.floor), 11),
        cell((mib / best.floor).toFixed(1), 11),
        cell(recs(best.weft), 10),
        cell((mib / best.weft).toFixed(1), 10),
        cell(recs(best.baseline), 9),
        cell((mib / best.baseline).toFixed(1), 9),
        cell(`${(best.weft / best.floor).toFixed(2)}×`, 17),
        cell(`${(best.baseline / best.weft).toFixed(2)}×`, 21),
      ].join(' | ')} |`,
    );
  }
  console.log('\n(b) per scenario:');
  for (const [from, to] of scenarios)
    console.log(
      `  ${from} → ${to}: ${BASELINES.read[from][0]} → jsonata 2 evaluate (one object constructor) → ${BASELINES.write[to][0]}`,
    );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
