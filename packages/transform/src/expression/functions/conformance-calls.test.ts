// Runs every case of the JSONata conformance suite whose expression is only calls of built-in
// functions with literal arguments (no paths, operators or lambdas: those need the core), so
// the library is checked against the reference's expected values and error codes directly.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suiteDirectory } from '../../../conformance/runner.mjs';
import { ExpressionError } from '../contract.js';
import { evaluateLiteralCall, isLiteralCall } from './fake-call-context.spec.js';

// The shared checkout or the copy vendored in conformance/ (never silently nothing).
const SUITE = suiteDirectory();

interface Case {
  name: string;
  expr?: string;
  data?: unknown;
  dataset?: string | null;
  result?: unknown;
  undefinedResult?: boolean;
  code?: string;
  error?: { code: string; message?: string };
}

function loadCases(): Case[] {
  const cases: Case[] = [];
  const groups = join(SUITE, 'groups');
  for (const group of readdirSync(groups).sort()) {
    for (const file of readdirSync(join(groups, group)).sort()) {
      if (!file.endsWith('.json')) continue;
      const content = JSON.parse(readFileSync(join(groups, group, file), 'utf8')) as Case | Case[];
      const list = Array.isArray(content) ? content : [content];
      list.forEach((entry, index) =>
        cases.push({ ...entry, name: `${group}/${file}${list.length > 1 ? `#${index}` : ''}` }),
      );
    }
  }
  return cases;
}

const datasets = new Map<string, unknown>();
function inputOf(entry: Case): unknown {
  if (entry.data !== undefined) return entry.data;
  if (!entry.dataset) return undefined;
  if (!datasets.has(entry.dataset)) {
    datasets.set(
      entry.dataset,
      JSON.parse(readFileSync(join(SUITE, 'datasets', `${entry.dataset}.json`), 'utf8')),
    );
  }
  return datasets.get(entry.dataset);
}

// Results that depend on the clock or on chance cannot be compared with a recorded value.
// $eval needs the core's parser and evaluator.
const NEEDS_CORE = /\$(now|millis|random|shuffle|eval)\(/;
const cases = loadCases().filter(
  (entry) =>
    typeof entry.expr === 'string' &&
    entry.expr.trim().startsWith('$') &&
    !NEEDS_CORE.test(entry.expr) &&
    isLiteralCall(entry.expr),
);

it('finds the suite and a good share of literal-call cases in it', () => {
  expect(cases.length).toBeGreaterThan(300);
});

describe.each(cases.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
  it(`${entry.expr}`, () => {
    const run = () => evaluateLiteralCall(entry.expr as string, inputOf(entry));
    const code = entry.code ?? entry.error?.code;
    if (code !== undefined) {
      let thrown: unknown;
      try {
        run();
      } catch (error) {
        thrown = error;
      }
      expect(ExpressionError.is(thrown) ? thrown.code : thrown).toBe(code);
      if (entry.error?.message !== undefined)
        expect((thrown as Error).message).toBe(entry.error.message);
    } else if (entry.undefinedResult) {
      expect(run()).toBeUndefined();
    } else {
      expect(run()).toEqual(entry.result);
    }
  });
});
