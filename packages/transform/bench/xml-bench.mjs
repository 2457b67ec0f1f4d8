// XML reader and writer throughput (a benchmark, not a test). Run after `pnpm build`:
//   node bench/xml-bench.mjs [records]
// Times are CPU time of this process (user + system), so that other work on a shared machine
// slows every side less; each side runs three rounds, taking turns, and keeps its best. Ratios
// are against baselines measured in the same run on the same records: the NDJSON reader (whose
// parsing is V8's native JSON.parse) and a bare scan that only decodes the bytes and counts "<".
import { readNdjson } from '../dist/index.js';
import { readXml, writeXml } from '../dist/formats/xml/index.js';

const count = Number(process.argv[2] ?? 50_000);
const encoder = new TextEncoder();

function record(i) {
  return {
    '@id': String(i),
    '@status': i % 10 === 0 ? 'void' : 'paid',
    customer: { name: `Customer ${i} & Zoë`, email: `c${i}@example.com`, country: 'DE' },
    line: [
      { '@sku': `A-${i}`, qty: '2', price: '19.99' },
      { '@sku': `B-${i}`, qty: '1', price: '5.00' },
    ],
    placed: '2026-11-24T10:15:00Z',
    note: 'Leave at the door <ring twice>',
  };
}

const records = Array.from({ length: count }, (_, i) => record(i));
const iface = {
  format: 'xml',
  closed: true,
  fields: [
    { name: '@id', type: 'integer', required: true, repeated: false },
    {
      name: 'line',
      type: 'object',
      required: true,
      repeated: true,
      fields: [
        { name: 'qty', type: 'integer', required: true, repeated: false },
        { name: 'price', type: 'number', required: true, repeated: false },
      ],
    },
  ],
};

async function collect(iterable) {
  let text = '';
  for await (const piece of iterable) text += piece;
  return text;
}

// 64 KiB chunks, as a file stream would deliver them.
function chunked(bytes) {
  const pieces = [];
  for (let i = 0; i < bytes.length; i += 65536) pieces.push(bytes.subarray(i, i + 65536));
  return pieces;
}
async function* source(pieces) {
  yield* pieces;
}

const xmlText = await collect(writeXml(records, { rootElement: 'Orders', recordElement: 'Order' }));
const xmlPieces = chunked(encoder.encode(xmlText));
const ndjsonPieces = chunked(encoder.encode(records.map((r) => JSON.stringify(r)).join('\n')));
const mib = xmlText.length / 1048576; // the document is ASCII apart from a few characters

async function countRecords(results) {
  let n = 0;
  for await (const result of results) if (result.ok) n++;
  if (n !== count) throw new Error(`read ${n} of ${count} records`);
}

const sides = {
  readXml: () => countRecords(readXml(source(xmlPieces), { recordElement: 'Order' })),
  'readXml + interface': () =>
    countRecords(readXml(source(xmlPieces), { recordElement: 'Order', interface: iface })),
  writeXml: async () => {
    let n = 0;
    for await (const piece of writeXml(records, { rootElement: 'Orders', recordElement: 'Order' }))
      n += piece.length;
    if (n !== xmlText.length) throw new Error('writer output changed');
  },
  'readNdjson (baseline)': () => countRecords(readNdjson(source(ndjsonPieces))),
  'decode + count "<" (floor)': async () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let n = 0;
    for (const piece of xmlPieces) {
      const text = decoder.decode(piece, { stream: true });
      for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) n++;
    }
    if (n === 0) throw new Error('no tags');
  },
};

const best = Object.fromEntries(Object.keys(sides).map((name) => [name, Number.POSITIVE_INFINITY]));
for (let round = 0; round < 3; round++) {
  for (const [name, run] of Object.entries(sides)) {
    const before = process.cpuUsage();
    await run();
    const used = process.cpuUsage(before);
    best[name] = Math.min(best[name], (used.user + used.system) / 1e6);
  }
}

console.log(`${count} records, XML document ${mib.toFixed(1)} MiB (Node ${process.version})`);
const xmlRead = best['readXml'];
for (const [name, seconds] of Object.entries(best)) {
  const size = name.startsWith('readNdjson')
    ? ndjsonPieces.reduce((n, p) => n + p.length, 0) / 1048576
    : mib;
  console.log(
    `${name.padEnd(28)} ${(size / seconds).toFixed(1).padStart(7)} MiB/s ${Math.round(
      count / seconds,
    )
      .toString()
      .padStart(9)} records/s` + `  readXml time ÷ this: ${(xmlRead / seconds).toFixed(2)}`,
  );
}
