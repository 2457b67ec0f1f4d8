#!/usr/bin/env node
// Benchmark (not a test): the CSV, JSON-array and fixed-width readers and writers on generated
// input, each against a baseline measured in the same run (csv-parse for CSV reading; plain
// JavaScript doing the least the format needs for the others). Prints MiB/s, records/s and ratios.
// Run after `pnpm build`:  node bench/formats-bench.mjs [CSV MiB, default 100]
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { readCsv, writeCsv } from '../dist/formats/csv/index.js';
import { readFixedWidth, writeFixedWidth } from '../dist/formats/fixed-width/index.js';
import { readJsonArray, writeJsonArray } from '../dist/formats/json/index.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const ROUNDS = 3;
const csvMiB = Number(process.argv[2] ?? 100);
const COLUMNS = 20;

function cellOf(row, column) {
  if (column % 5 === 0) return String(row * 7 + column);
  if (column % 5 === 1) return ((row % 1000) * 1.25).toFixed(2);
  if (column % 5 === 2) return row % 2 ? 'true' : 'false';
  return `text ${row % 997} ${column}`;
}

/** ~size MiB of CSV: a header and 20 columns; one row in ten has quoted cells (a comma, a "" and a line break). */
function generateCsv(size) {
  const header = Array.from({ length: COLUMNS }, (_, c) => `column_${c}`).join(',');
  const parts = [`${header}\n`];
  let bytes = parts[0].length;
  let rows = 0;
  while (bytes < size * MiB) {
    const cells = Array.from({ length: COLUMNS }, (_, c) => cellOf(rows, c));
    if (rows % 10 === 0) {
      cells[3] = `"quoted, with ""quotes"" ${rows}"`;
      cells[8] = `"two\nlines"`;
    }
    const line = `${cells.join(',')}\n`;
    parts.push(line);
    bytes += line.length;
    rows++;
  }
  return { buffer: Buffer.from(parts.join('')), rows };
}

function* chunks(buffer) {
  for (let i = 0; i < buffer.length; i += CHUNK) yield buffer.subarray(i, i + CHUNK);
}

async function* asyncChunks(buffer) {
  yield* chunks(buffer);
}

async function countResults(iterable) {
  let ok = 0;
  for await (const result of iterable) if (result.ok) ok++;
  return ok;
}

async function drain(iterable) {
  let length = 0;
  for await (const text of iterable) length += text.length;
  return length;
}

async function best(fn) {
  let fastest = Infinity;
  let result;
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    result = await fn();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return { seconds: fastest / 1000, result };
}

const fmt = (n, width = 9) => n.toFixed(1).padStart(width);
const rows = [];
/** `baseline` is the row (returned by an earlier call) this one is compared with, by records/s. */
function report(name, bytes, records, seconds, baseline) {
  const row = { name, mibs: bytes / MiB / seconds, recs: records / seconds, baseline };
  rows.push(row);
  return row;
}

console.log(
  `node ${process.version}; best of ${ROUNDS} rounds; input in ${CHUNK / 1024} KiB chunks\n`,
);

// ---- CSV reading: same answers first, then speed against csv-parse.
const csv = generateCsv(csvMiB);
{
  const sample = generateCsv(1).buffer;
  const ours = [];
  for await (const r of readCsv(asyncChunks(sample))) ours.push(r.record);
  const theirs = [];
  for await (const r of Readable.from(chunks(sample)).pipe(parse({ columns: true })))
    theirs.push(r);
  if (JSON.stringify(ours) !== JSON.stringify(theirs))
    throw new Error('readCsv and csv-parse disagree');
}
const csvParse = await best(async () => {
  let n = 0;
  for await (const _ of Readable.from(chunks(csv.buffer)).pipe(parse({ columns: true }))) n++;
  return n;
});
const weftCsv = await best(() => countResults(readCsv(asyncChunks(csv.buffer))));
if (weftCsv.result !== csv.rows || csvParse.result !== csv.rows)
  throw new Error('record counts differ');
const csvParseRow = report(
  'csv-parse (columns: true)',
  csv.buffer.length,
  csv.rows,
  csvParse.seconds,
);
report('readCsv', csv.buffer.length, csv.rows, weftCsv.seconds, csvParseRow);

// ---- CSV writing: 500,000 records of the file above, against joining the values by hand
// (no quoting, no checks: the least a CSV writer can do).
const records = [];
for await (const r of readCsv(asyncChunks(csv.buffer))) {
  if (records.length >= 500_000) break;
  records.push(r.record);
}
const byHandCsv = await best(async () => {
  let length = 0;
  for (const r of records) length += Object.values(r).join(',').length + 1;
  return length;
});
const weftWrite = await best(() => drain(writeCsv(records, { lineEnding: 'lf' })));
const byHandCsvRow = report(
  'CSV by hand (join, no quoting)',
  byHandCsv.result,
  records.length,
  byHandCsv.seconds,
);
report('writeCsv', weftWrite.result, records.length, weftWrite.seconds, byHandCsvRow);

// ---- JSON array: streamed element by element, against JSON.parse of the whole document.
const jsonText = `[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`;
const json = Buffer.from(jsonText);
const wholeParse = await best(async () => JSON.parse(new TextDecoder().decode(json)).length);
const weftJson = await best(() => countResults(readJsonArray(asyncChunks(json))));
if (weftJson.result !== records.length) throw new Error('readJsonArray count differs');
const wholeParseRow = report(
  'JSON.parse (whole document)',
  json.length,
  records.length,
  wholeParse.seconds,
);
report('readJsonArray', json.length, records.length, weftJson.seconds, wholeParseRow);
const stringify = await best(async () => JSON.stringify(records).length);
const weftJsonWrite = await best(() => drain(writeJsonArray(records)));
const stringifyRow = report(
  'JSON.stringify (whole array)',
  stringify.result,
  records.length,
  stringify.seconds,
);
report('writeJsonArray', weftJsonWrite.result, records.length, weftJsonWrite.seconds, stringifyRow);

// ---- Fixed-width: 20 fields of 14 characters, against slicing lines by hand.
const layout = {
  fields: Array.from({ length: COLUMNS }, (_, c) => ({
    name: `column_${c}`,
    length: 14,
    type: c % 5 === 0 ? 'integer' : c % 5 === 1 ? 'number' : c % 5 === 2 ? 'boolean' : 'string',
  })),
};
const fixedRecords = records.map((r) => {
  const copy = {};
  for (let c = 0; c < COLUMNS; c++) {
    const text = r[`column_${c}`].replace(/\n/g, ' ').slice(0, 14);
    copy[`column_${c}`] =
      c % 5 === 0
        ? Number(text)
        : c % 5 === 1
          ? Number(text)
          : c % 5 === 2
            ? text === 'true'
            : text;
  }
  return copy;
});
const fixedParts = [];
for await (const text of writeFixedWidth(fixedRecords, layout)) fixedParts.push(text);
const fixedText = fixedParts.join('');
const fixed = Buffer.from(fixedText);
const byHandFixed = await best(async () => {
  let n = 0;
  const text = new TextDecoder().decode(fixed);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const record = {};
    for (let c = 0; c < COLUMNS; c++)
      record[`column_${c}`] = line.slice(c * 14, c * 14 + 14).trim();
    n++;
  }
  return n;
});
const weftFixed = await best(() => countResults(readFixedWidth(asyncChunks(fixed), layout)));
if (weftFixed.result !== fixedRecords.length) throw new Error('readFixedWidth count differs');
const byHandFixedRow = report(
  'fixed-width by hand (slice, trim)',
  fixed.length,
  fixedRecords.length,
  byHandFixed.seconds,
);
report(
  'readFixedWidth (typed)',
  fixed.length,
  fixedRecords.length,
  weftFixed.seconds,
  byHandFixedRow,
);
const byHandFixedWrite = await best(async () => {
  let length = 0;
  for (const r of fixedRecords) {
    let line = '';
    for (let c = 0; c < COLUMNS; c++) line += String(r[`column_${c}`]).padEnd(14);
    length += line.length + 1;
  }
  return length;
});
const byHandFixedWriteRow = report(
  'fixed-width by hand (padEnd)',
  byHandFixedWrite.result,
  fixedRecords.length,
  byHandFixedWrite.seconds,
);
const weftFixedWrite = await best(() => drain(writeFixedWidth(fixedRecords, layout)));
report(
  'writeFixedWidth',
  weftFixedWrite.result,
  fixedRecords.length,
  weftFixedWrite.seconds,
  byHandFixedWriteRow,
);

console.log(
  `CSV input ${fmt(csv.buffer.length / MiB, 1)} MiB, ${csv.rows} rows of ${COLUMNS} columns, 1 in 10 with quoted cells\n`,
);
console.log(
  `${'scenario'.padEnd(36)}${'MiB/s'.padStart(9)}${'records/s'.padStart(13)}   vs baseline`,
);
for (const row of rows) {
  const line = `${row.name.padEnd(36)}${fmt(row.mibs)}${Math.round(row.recs).toLocaleString('en').padStart(13)}`;
  console.log(
    row.baseline
      ? `${line}   ${(row.recs / row.baseline.recs).toFixed(2)}x ${row.baseline.name}`
      : line,
  );
}
