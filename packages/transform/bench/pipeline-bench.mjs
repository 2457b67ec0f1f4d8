// Pipeline benchmark (not a test): records/s and MB/s of reader → 20-field mapping → writer,
// beside the bare parse+serialize of the same data with the same reader and writer (the floor
// the mapping adds to), in one run. Run after `pnpm build`: node bench/pipeline-bench.mjs [records]
import { inferJsonInterface } from '../dist/interfaces/index.js';
import { compileMapping } from '../dist/mapping/index.js';
import { availableFormats, getFormat, runTransform } from '../dist/pipeline/index.js';

const COUNT = Number(process.argv[2] ?? 100_000);
const ROUNDS = 3;

function sourceRecord(i) {
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

const mapping = compileMapping({
  version: 1,
  records: [
    {
      fields: {
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
      },
    },
  ],
});

async function encoded(format, count) {
  const parts = [];
  for await (const chunk of getFormat(format).write(
    (function* () {
      for (let i = 1; i <= count; i++) yield sourceRecord(i);
    })(),
  ))
    parts.push(chunk);
  return parts.join('');
}

// CSV cells are text unless the columns are typed (as a CSV interface types them)
const CSV_COLUMNS = Object.entries(sourceRecord(1)).map(([name, value]) => ({
  name,
  type: typeof value === 'number' ? 'number' : 'string',
}));
// XML text is typed by an interface too; the registry writes <records><record>…
const XML_READ = { recordElement: 'record', interface: inferJsonInterface([sourceRecord(1)]) };
const readOptions = (format) =>
  format === 'csv' ? { columns: CSV_COLUMNS } : format === 'xml' ? XML_READ : undefined;

async function* chunked(text) {
  const size = 64 * 1024;
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

async function drain(records, write) {
  let bytes = 0;
  for await (const chunk of write(records)) bytes += chunk.length;
  return bytes;
}

/** Parse + serialize with the same reader and writer, no mapping: the floor. */
async function bare(input, inFormat, outFormat) {
  const reader = getFormat(inFormat);
  const writer = getFormat(outFormat);
  async function* records() {
    for await (const result of reader.read(chunked(input), readOptions(inFormat)))
      if (result.ok) yield result.record;
  }
  await drain(records(), (r) => writer.write(r));
}

async function mapped(input, inFormat, outFormat) {
  const reader = getFormat(inFormat);
  const writer = getFormat(outFormat);
  const counts = await runTransform({
    reader: reader.read(chunked(input), readOptions(inFormat)),
    mapping,
    writer: async (records) => void (await drain(records, (r) => writer.write(r))),
  });
  if (counts.written !== COUNT) throw new Error(`mapping wrote ${JSON.stringify(counts)}`);
}

async function best(run) {
  let fastest = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    await run();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return fastest;
}

// the scenarios, and NDJSON → NDJSON; a pair whose formats this build lacks is skipped
const SCENARIOS = [
  ['ndjson', 'ndjson'],
  ['csv', 'json'],
  ['json', 'xml'],
  ['xml', 'csv'],
];
const available = new Set(availableFormats());
console.log(`pipeline bench: ${COUNT} records, 20-field mapping, best of ${ROUNDS}`);
console.log(
  'scenario         | input MB | floor rec/s | mapped rec/s | mapped MB/s | mapped ÷ floor time',
);
const cell = (value, width) => String(value).padStart(width);
for (const [inFormat, outFormat] of SCENARIOS) {
  if (!available.has(inFormat) || !available.has(outFormat)) {
    console.log(`${inFormat} → ${outFormat}: skipped (format not available)`);
    continue;
  }
  const input = await encoded(inFormat, COUNT);
  const megabytes = Buffer.byteLength(input) / 1_048_576;
  const floor = await best(() => bare(input, inFormat, outFormat));
  const full = await best(() => mapped(input, inFormat, outFormat));
  console.log(
    [
      `${inFormat} → ${outFormat}`.padEnd(16),
      cell(megabytes.toFixed(1), 8),
      cell(Math.round(COUNT / floor).toLocaleString('en'), 11),
      cell(Math.round(COUNT / full).toLocaleString('en'), 12),
      cell((megabytes / full).toFixed(1), 11),
      `${(full / floor).toFixed(2)}×`,
    ].join(' | '),
  );
}
