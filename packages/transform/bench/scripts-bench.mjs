// Per-record cost of a sandboxed script, beside the same transform as plain host JavaScript
// (the floor): a ratio measured in one run, not a test. Run: pnpm build && node bench/scripts-bench.mjs
import { performance } from 'node:perf_hooks';
import { createScriptSandbox } from '../dist/scripts/index.js';

const RECORDS = 20_000;
const records = Array.from({ length: RECORDS }, (_, i) => ({
  id: i,
  name: `customer ${i}`,
  country: ['FR', 'DE', 'US'][i % 3],
  amount: ((i * 7) % 1000) / 10,
  tags: ['a', 'b'],
}));
const bindings = { countries: { FR: 'France', DE: 'Germany', US: 'United States' } };

function transform(record, bindings) {
  return {
    key: `C-${record.id}`,
    name: record.name.toUpperCase(),
    country: bindings.countries[record.country] ?? null,
    cents: Math.round(record.amount * 100),
    tagCount: record.tags.length,
  };
}

function measure(label, run) {
  for (let i = 0; i < 2000; i += 1) run(records[i]); // warm up
  const started = performance.now();
  for (const record of records) run(record);
  const seconds = (performance.now() - started) / 1000;
  const perSecond = RECORDS / seconds;
  console.log(
    `${label.padEnd(28)} ${Math.round(perSecond).toLocaleString('en').padStart(12)} records/s`,
  );
  return perSecond;
}

const sandbox = await createScriptSandbox();
const script = sandbox.compile(transform.toString(), { name: 'bench.js' });
const floor = measure('plain host function', (record) =>
  transform(structuredClone(record), bindings),
);
const sandboxed = measure('QuickJS sandbox', (record) => script.run(record, bindings));
console.log(
  `sandbox cost: ${(floor / sandboxed).toFixed(0)}× the plain function; ${(1e6 / sandboxed).toFixed(1)} µs per record`,
);

const compileTimes = [];
for (let i = 0; i < 50; i += 1) {
  const started = performance.now();
  sandbox.compile(transform.toString(), { name: `compile-${i}.js` }).dispose();
  compileTimes.push(performance.now() - started);
}
compileTimes.sort((a, b) => a - b);
console.log(
  `compile (new VM + prelude + top-level code): median ${compileTimes[25].toFixed(2)} ms`,
);
const loadStarted = performance.now();
(await createScriptSandbox()).dispose();
console.log(
  `createScriptSandbox (engine + spare): ${(performance.now() - loadStarted).toFixed(1)} ms`,
);
sandbox.dispose();
