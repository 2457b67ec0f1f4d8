import { compileFieldRules, matchesPattern, type RuleProblem } from './rules.js';
import type { ValidationFailure, ValidationRules } from './types.js';
import { hasType, truthy } from './values.js';

function check(rules: ValidationRules, value: unknown, repeated = false): ValidationFailure[] {
  const problems: RuleProblem[] = [];
  const run = compileFieldRules(rules, { path: 'f.validate', field: 'f', repeated }, problems);
  expect(problems).toEqual([]);
  const failures: ValidationFailure[] = [];
  run(value, {}, failures);
  return failures;
}

const rulesOf = (failures: ValidationFailure[]): string[] =>
  failures.map((failure) => failure.rule);

describe('compileFieldRules', () => {
  it('checks required, type, length, range and enum, reporting every broken rule', () => {
    expect(rulesOf(check({ required: true }, undefined))).toEqual(['required']);
    expect(rulesOf(check({ required: true }, null))).toEqual(['required']);
    expect(check({ type: 'string', minLength: 2 }, undefined)).toEqual([]); // optional and absent
    expect(rulesOf(check({ type: 'integer', minimum: 1, maximum: 3 }, 4.5))).toEqual([
      'type',
      'range',
    ]);
    expect(rulesOf(check({ minLength: 2, maxLength: 3 }, '😀'))).toEqual(['length']); // one character
    expect(check({ maxLength: 3 }, 'a😀b')).toEqual([]);
    expect(check({ enum: ['a', 1, null] }, 'b')).toEqual([
      { path: 'f', rule: 'enum', message: 'must be one of "a", 1, null' },
    ]);
    expect(check({ enum: ['a', 1, null] }, 1)).toEqual([]);
  });

  it('checks types of each item of a repeated field', () => {
    expect(check({ type: 'string' }, ['a', 'b'], true)).toEqual([]);
    expect(check({ type: 'string' }, ['a', 2], true)).toEqual([
      { path: 'f', rule: 'type', message: 'must be a string in every item' },
    ]);
    expect(check({ type: 'string' }, 'a', true)).toEqual([
      { path: 'f', rule: 'type', message: 'must be a list' },
    ]);
  });

  it('runs patterns on the linear-time matcher, unanchored like JSON Schema', () => {
    expect(check({ pattern: '^[A-Z]{2}-\\d+$' }, 'SO-12')).toEqual([]);
    expect(rulesOf(check({ pattern: '^[A-Z]{2}-\\d+$' }, 'so-12'))).toEqual(['pattern']);
    expect(matchesPattern('xxabcxx', 'abc')).toBe(true);
    // catastrophic for a backtracking engine; linear here
    const started = Date.now();
    expect(matchesPattern(`${'a'.repeat(5000)}!`, '^(a+)+$')).toBe(false);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('reports unusable rules as problems with their path', () => {
    const problems: RuleProblem[] = [];
    compileFieldRules(
      { pattern: '(?<=a)b', minimum: 'x' } as unknown as ValidationRules,
      { path: 'p', field: 'f' },
      problems,
    );
    expect(problems.map((problem) => problem.path)).toEqual(['p.minimum', 'p.pattern']);
    expect(problems[1]?.message).toMatch(/^S0303/);
  });

  it('runs custom predicates with $target in scope and a custom message', () => {
    const rules = { expression: '$ <= $target.limit', message: 'over the limit' };
    const problems: RuleProblem[] = [];
    const run = compileFieldRules(rules, { path: 'p', field: 'f' }, problems);
    const failures: ValidationFailure[] = [];
    run(5, { limit: 10 }, failures);
    run(50, { limit: 10 }, failures);
    expect(failures).toEqual([{ path: 'f', rule: 'expression', message: 'over the limit' }]);
  });
});

describe('values', () => {
  it('knows calendar dates and ISO date-times', () => {
    expect(hasType('2024-02-29', 'date')).toBe(true);
    expect(hasType('2023-02-29', 'date')).toBe(false);
    expect(hasType('2024-01-02T10:11:12.5+01:00', 'datetime')).toBe(true);
    expect(hasType('2024-01-02T25:00', 'datetime')).toBe(false);
    expect(hasType(2 ** 60, 'integer')).toBe(false);
  });

  it('follows JSONata truthiness', () => {
    expect([0, '', [], {}, null, undefined, [0, false]].map(truthy)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect([1, 'a', [0, 1], { a: 1 }, true].map(truthy)).toEqual([true, true, true, true, true]);
  });
});
