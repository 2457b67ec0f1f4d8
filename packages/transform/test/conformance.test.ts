import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSuite } from '../conformance/runner.mjs';
import { compileExpression } from '../src/index.js';

const baseline = JSON.parse(
  readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), '..', 'conformance', 'baseline.json'),
    'utf8',
  ),
) as { passed: number; total: number };

// The gate CI runs: the engine (from source) must pass at least as many cases of the JSONata
// test suite as recorded in conformance/baseline.json. The number only ever goes up.
describe('JSONata conformance suite', () => {
  it(`passes at least the recorded ${baseline.passed} cases`, () => {
    const report = runSuite(compileExpression);
    expect(report.total).toBeGreaterThanOrEqual(baseline.total);
    if (report.passed < baseline.passed) {
      const sample = report.failures.slice(0, 20).map((f) => `${f.group}/${f.name}: ${f.reason}`);
      throw new Error(
        `conformance fell to ${report.passed} (baseline ${baseline.passed}):\n${sample.join('\n')}`,
      );
    }
    expect(report.passed).toBeGreaterThanOrEqual(baseline.passed);
  }, 120_000);
});
