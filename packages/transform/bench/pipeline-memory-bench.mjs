#!/usr/bin/env node
// Memory benchmark (not a test): a CSV of the given size is generated on the fly as a stream
// (never held in memory, never written to disk) and run through readCsv → the 20-field mapping
// of pipeline-bench.mjs → writeJsonArray (or writeNdjson) into a Writable that discards. The
// resident set size is sampled every 250 ms; prints MiB/s, records/s, peak RSS and the RSS at
// 10 %, 50 % and 90 % of the input. The goal: flat, under 256 MB, on a 1 GB input.
// Run after `pnpm build`:
//   node bench/pipeline-memory-bench.mjs [--size 1GiB|256MiB|500MB…] [--format json|ndjson]
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { writeJsonArray } from '../dist/formats/json/index.js';
import { writeNdjson } from '../dist/ndjson-writer.js';
import { getFormat, runTransform, streamSink } from '../dist/pipeline/index.js';
import { CSV_COLUMNS, CSV_HEADER, mapping, sourceCsvLine } from './pipeline-bench.mjs';

const MiB = 1024 * 1024;
const SAMPLE_EVERY_MS = 250;
const GOAL_BYTES = 256 * 1000 * 1000;
const UNITS = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: MiB, gib: 1024 * MiB };

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : process.argv[at + 1];
}
function parseSize(text) {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text);
  const unit = UNITS[(match?.[2] || 'b').toLowerCase()];
  if (!match || unit === undefined) throw new Error(`--size: not a size: ${text}`);
  return Math.round(Number(match[1]) * unit);
}

const size = parseSize(option('size', '1GiB'));
const format = option('format', 'json');
const write = { json: writeJsonArray, ndjson: writeNdjson }[format];
if (!write) throw new Error('--format must be json or ndjson');

const rss = () => process.memoryUsage().rss;
const samples = [];
const atFraction = new Map(); // 0.1 / 0.5 / 0.9 → RSS when that share of the input was produced
let generated = 0;
let rows = 0;

/**
 * ~`size` bytes of CSV in 64 KiB chunks, made as they are pulled. Each chunk waits for the
 * next turn of the event loop, as chunks from a file or socket would, so the sampling timer runs.
 */
async function* generatedCsv(size) {
  let chunk = CSV_HEADER;
  const marks = [0.1, 0.5, 0.9];
  while (generated < size) {
    while (chunk.length < 64 * 1024 && generated + chunk.length < size) {
      rows += 1;
      chunk += sourceCsvLine(rows);
    }
    const bytes = Buffer.from(chunk);
    chunk = '';
    generated += bytes.length;
    while (marks.length > 0 && generated >= marks[0] * size) atFraction.set(marks.shift(), rss());
    await nextTurn();
    yield bytes;
  }
}

let written = 0;
const discard = new Writable({
  write(chunk, _encoding, done) {
    written += chunk.length;
    done();
  },
});

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
console.log(
  `pipeline memory bench: ${mb(size)} (${(size / MiB).toFixed(0)} MiB) of generated CSV → ` +
    `20-field mapping → ${format === 'json' ? 'writeJsonArray' : 'writeNdjson'} → discard`,
);
const startRss = rss();
const timer = setInterval(() => samples.push(rss()), SAMPLE_EVERY_MS);
const started = performance.now();
const counts = await runTransform({
  reader: getFormat('csv').read(generatedCsv(size), { columns: CSV_COLUMNS }),
  mapping,
  writer: streamSink(write, discard),
});
const seconds = (performance.now() - started) / 1000;
clearInterval(timer);
samples.push(rss());

if (counts.written !== rows || counts.failed !== 0)
  throw new Error(`expected ${rows} records written, got ${JSON.stringify(counts)}`);
const peak = Math.max(...samples);
console.log(
  `records: ${rows.toLocaleString('en')} in ${seconds.toFixed(1)} s; wrote ${mb(written)}`,
);
console.log(
  `throughput: ${(generated / MiB / seconds).toFixed(1)} MiB/s, ` +
    `${Math.round(rows / seconds).toLocaleString('en')} records/s (generating the CSV included)`,
);
console.log(
  `RSS: start ${mb(startRss)}, at 10% ${mb(atFraction.get(0.1))}, 50% ${mb(atFraction.get(0.5))}, ` +
    `90% ${mb(atFraction.get(0.9))}, peak ${mb(peak)} (${samples.length} samples every ${SAMPLE_EVERY_MS} ms)`,
);
console.log(
  `goal (peak RSS under 256 MB): ${peak < GOAL_BYTES ? 'met' : 'NOT met'}; ` +
    `growth from 10% to 90%: ${mb(atFraction.get(0.9) - atFraction.get(0.1))}`,
);

// what the generator alone costs (its time is inside the figures above), on up to 64 MiB
{
  const sample = Math.min(size, 64 * MiB);
  const [before, rowsBefore] = [generated, rows];
  const start = performance.now();
  generated = 0;
  for await (const chunk of generatedCsv(sample)) void chunk;
  const alone = (performance.now() - start) / 1000;
  console.log(`generating the CSV alone: ${(sample / MiB / alone).toFixed(1)} MiB/s`);
  [generated, rows] = [before, rowsBefore];
}
