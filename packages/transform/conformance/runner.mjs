// Runs the JSONata conformance suite (TESTSUITE.md in the suite's folder) against an engine.
// Shared by the command line (run.mjs, on the built package) and the jest gate
// (test/conformance.test.ts, on the source), so both count the same way.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Where the suite lives: WEFT_JSONATA_SUITE, the shared checkout beside the repository
 * (../shared/conformance), or the copy vendored here (jsonata-test-suite/, v2.2.2, MIT) so a
 * clone alone can run it.
 */
export function suiteDirectory() {
  const candidates = [
    process.env.WEFT_JSONATA_SUITE,
    join(here, '..', '..', '..', '..', 'shared', 'conformance', 'jsonata-test-suite'),
    join(here, 'jsonata-test-suite'),
  ].filter(Boolean);
  const found = candidates.find((dir) => existsSync(join(dir, 'groups')));
  if (!found)
    throw new Error(
      `JSONata test suite not found (tried ${candidates.join(', ')}); set WEFT_JSONATA_SUITE`,
    );
  return found;
}

/** Every case of every group, in a stable order, with its input resolved. */
export function loadCases(dir = suiteDirectory()) {
  const datasets = new Map();
  const dataset = (name) => {
    if (!datasets.has(name))
      datasets.set(name, JSON.parse(readFileSync(join(dir, 'datasets', `${name}.json`), 'utf8')));
    return datasets.get(name);
  };
  const cases = [];
  for (const group of readdirSync(join(dir, 'groups')).sort()) {
    const groupDir = join(dir, 'groups', group);
    for (const file of readdirSync(groupDir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const content = JSON.parse(readFileSync(join(groupDir, file), 'utf8'));
      const list = Array.isArray(content) ? content : [content];
      list.forEach((testCase, index) => {
        const expr =
          testCase['expr-file'] !== undefined
            ? readFileSync(join(groupDir, testCase['expr-file']), 'utf8')
            : testCase.expr;
        let input;
        if (testCase.data !== undefined) input = testCase.data;
        else if (typeof testCase.dataset === 'string') input = dataset(testCase.dataset);
        const name =
          list.length > 1
            ? `${file.replace(/\.json$/, '')}[${index}]`
            : file.replace(/\.json$/, '');
        cases.push({ group, name, expr, input, testCase });
      });
    }
  }
  return cases;
}

/** Order-insensitive for object keys; `unordered` makes top-level arrays multisets. */
function sameValue(actual, expected, unordered) {
  const plain = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
  const canonical = (value) => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === 'object') {
      const sorted = {};
      for (const key of Object.keys(value).sort()) sorted[key] = canonical(value[key]);
      return sorted;
    }
    return value;
  };
  let a = canonical(plain(actual));
  let e = canonical(expected);
  if (unordered && Array.isArray(a) && Array.isArray(e)) {
    a = a.map((x) => JSON.stringify(x)).sort();
    e = e.map((x) => JSON.stringify(x)).sort();
  }
  return JSON.stringify(a) === JSON.stringify(e);
}

function describe(value) {
  let text;
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Runs one case; returns undefined when it passes, else the reason. */
export function runCase(compileExpression, { expr, input, testCase }) {
  const expectedCode = testCase.code ?? testCase.error?.code;
  const options = {};
  if (testCase.timelimit !== undefined) options.timeLimitMs = testCase.timelimit;
  if (testCase.depth !== undefined) options.maxDepth = testCase.depth;
  let result;
  try {
    result = compileExpression(expr, options).evaluate(input, testCase.bindings ?? {});
  } catch (error) {
    const code = error && typeof error === 'object' ? error.code : undefined;
    if (expectedCode !== undefined) {
      return code === expectedCode
        ? undefined
        : `expected error ${expectedCode}, got ${code ?? 'a non-coded error'}: ${error?.message}`;
    }
    return `unexpected error ${code ?? ''}: ${error?.message ?? String(error)}`.replace(
      /\s+/g,
      ' ',
    );
  }
  if (expectedCode !== undefined)
    return `expected error ${expectedCode}, got result ${describe(result)}`;
  if (testCase.undefinedResult)
    return result === undefined ? undefined : `expected undefined, got ${describe(result)}`;
  if (!('result' in testCase)) return 'case has no expectation';
  return sameValue(result, testCase.result, testCase.unordered === true)
    ? undefined
    : `expected ${describe(testCase.result)}, got ${describe(result)}`;
}

/** Runs every case: totals, per-group counts and the failures with their reasons. */
export function runSuite(compileExpression, cases = loadCases()) {
  const groups = new Map();
  const failures = [];
  for (const testCase of cases) {
    const counts = groups.get(testCase.group) ?? { passed: 0, failed: 0 };
    groups.set(testCase.group, counts);
    const reason = runCase(compileExpression, testCase);
    if (reason === undefined) counts.passed++;
    else {
      counts.failed++;
      failures.push({ group: testCase.group, name: testCase.name, expr: testCase.expr, reason });
    }
  }
  const passed = cases.length - failures.length;
  return { total: cases.length, passed, failed: failures.length, groups, failures };
}
