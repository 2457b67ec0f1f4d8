// Compiles validation rules once into a check run on every record. Patterns are user-authored,
// so they run on the expression engine's linear-time regex matcher, never on the host RegExp.
import { createRegexValue, ExpressionError } from '../expression/contract.js';
import { ExpressionEngine, type CompiledExpression } from '../expression/engine.js';
import type { FieldType } from '../interfaces/model.js';
import type { ValidationFailure, ValidationRules } from './types.js';
import { hasType, lengthOf, truthy } from './values.js';

/** A compile-time problem with a rule: where in the document, and what. */
export interface RuleProblem {
  readonly path: string;
  readonly message: string;
}

/** Checks one value; pushes a failure per broken rule. `record` is the target object holding the field. */
export type FieldCheck = (value: unknown, record: unknown, failures: ValidationFailure[]) => void;

export interface CompileRulesOptions {
  /** Where the rules are written, e.g. `records[0].fields.total.validate`. */
  readonly path: string;
  /** The field path reported in failures, e.g. `total` or `customer.name`. */
  readonly field: string;
  /** Compiles `expression` rules; the mapping passes its own engine so its functions are in scope. */
  readonly engine?: ExpressionEngine;
  /** True when the field carries a list: type and pattern apply to each item. */
  readonly repeated?: boolean;
}

const RULE_KEYS = new Set([
  'required',
  'type',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'enum',
  'expression',
  'message',
]);
const TYPES = new Set<FieldType>([
  'string',
  'number',
  'integer',
  'boolean',
  'date',
  'datetime',
  'object',
  'array',
  'any',
]);

// One engine for every pattern: the pattern travels as data into $matchesPattern, so no
// expression text is ever assembled from it.
const patternEngine = new ExpressionEngine({ timeLimitMs: 1000 }).registerFunction(
  'matchesPattern',
  {
    signature: '<ss:b>',
    implementation: ([text, pattern], context) =>
      context.regex.matchAll(createRegexValue(pattern as string, ''), text as string, 1).length > 0,
  },
);
const patternCheck = patternEngine.compile('$matchesPattern($text, $pattern)');

/** Runs `pattern` (engine regex syntax) against `text`; throws ExpressionError S0303 for a bad pattern. */
export function matchesPattern(text: string, pattern: string): boolean {
  return patternCheck.evaluate(undefined, { text, pattern }) === true;
}

/** Describes an expression error without the data value some messages quote. */
export function describeExpressionError(error: unknown): string {
  if (!ExpressionError.is(error)) return 'failed';
  const at = error.position !== undefined ? ` at column ${error.position}` : '';
  // syntax errors (S0…) quote only the expression's own text; others may quote record data
  const safe = error.code.startsWith('S') || error.details.value === undefined;
  return safe ? `${error.code} ${error.message}${at}` : `${error.code}${at}`;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function checkShape(rules: Record<string, unknown>, path: string, problems: RuleProblem[]): void {
  for (const key of Object.keys(rules))
    if (!RULE_KEYS.has(key)) problems.push({ path: `${path}.${key}`, message: 'unknown rule' });
  const expect = (key: string, ok: boolean, what: string): void => {
    if (rules[key] !== undefined && !ok)
      problems.push({ path: `${path}.${key}`, message: `must be ${what}` });
  };
  expect('required', typeof rules['required'] === 'boolean', 'true or false');
  expect('type', TYPES.has(rules['type'] as FieldType), `one of ${[...TYPES].join(', ')}`);
  expect('minLength', isNonNegativeInteger(rules['minLength']), 'a whole number ≥ 0');
  expect('maxLength', isNonNegativeInteger(rules['maxLength']), 'a whole number ≥ 0');
  expect('minimum', Number.isFinite(rules['minimum']), 'a number');
  expect('maximum', Number.isFinite(rules['maximum']), 'a number');
  expect('pattern', typeof rules['pattern'] === 'string', 'a string');
  expect('expression', typeof rules['expression'] === 'string', 'a string');
  expect('message', typeof rules['message'] === 'string', 'a string');
  const literals = rules['enum'];
  expect(
    'enum',
    Array.isArray(literals) &&
      literals.every(
        (item) => item === null || ['string', 'number', 'boolean'].includes(typeof item),
      ),
    'an array of strings, numbers, booleans or null',
  );
}

function shownLiterals(literals: readonly unknown[]): string {
  const text = literals.map((item) => JSON.stringify(item)).join(', ');
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/**
 * Compiles the rules of one field. Problems in the rules themselves (an unknown rule, a bad
 * pattern, an expression with a syntax error) are pushed to `problems` with their path; the
 * returned check then skips the broken rule.
 */
export function compileFieldRules(
  input: ValidationRules,
  options: CompileRulesOptions,
  problems: RuleProblem[],
): FieldCheck {
  const rules = input as Record<string, unknown>;
  const { path, field } = options;
  checkShape(rules, path, problems);
  const checks: FieldCheck[] = [];
  const fail = (
    failures: ValidationFailure[],
    rule: ValidationFailure['rule'],
    message: string,
  ): void => {
    failures.push({ path: field, rule, message });
  };
  const each = (value: unknown, test: (item: unknown) => boolean): boolean =>
    options.repeated && Array.isArray(value) ? value.every(test) : test(value);

  const type = rules['type'] as FieldType | undefined;
  if (type !== undefined && TYPES.has(type)) {
    const article = /^[aeiou]/.test(type) ? 'an' : 'a';
    checks.push((value, _record, failures) => {
      if (options.repeated && !Array.isArray(value)) fail(failures, 'type', 'must be a list');
      else if (!each(value, (item) => hasType(item, type)))
        fail(
          failures,
          'type',
          `must be ${article} ${type}${options.repeated ? ' in every item' : ''}`,
        );
    });
  }
  const minLength = rules['minLength'];
  const maxLength = rules['maxLength'];
  if (isNonNegativeInteger(minLength) || isNonNegativeInteger(maxLength)) {
    checks.push((value, _record, failures) => {
      const length = lengthOf(value);
      if (length === undefined) return; // the type rule reports values without a length
      if (isNonNegativeInteger(minLength) && length < minLength)
        fail(failures, 'length', `must be at least ${minLength} long`);
      if (isNonNegativeInteger(maxLength) && length > maxLength)
        fail(failures, 'length', `must be at most ${maxLength} long`);
    });
  }
  const pattern = rules['pattern'];
  if (typeof pattern === 'string') {
    let usable = true;
    try {
      matchesPattern('', pattern);
    } catch (error) {
      usable = false;
      problems.push({ path: `${path}.pattern`, message: describeExpressionError(error) });
    }
    if (usable)
      checks.push((value, _record, failures) => {
        try {
          if (!each(value, (item) => typeof item !== 'string' || matchesPattern(item, pattern)))
            fail(
              failures,
              'pattern',
              `must match the pattern ${JSON.stringify(pattern.slice(0, 80))}`,
            );
        } catch (error) {
          fail(failures, 'pattern', `could not be checked: ${describeExpressionError(error)}`);
        }
      });
  }
  const minimum = rules['minimum'];
  const maximum = rules['maximum'];
  if (Number.isFinite(minimum) || Number.isFinite(maximum)) {
    checks.push((value, _record, failures) => {
      if (typeof value !== 'number') return;
      if (Number.isFinite(minimum) && value < (minimum as number))
        fail(failures, 'range', `must be at least ${String(minimum)}`);
      if (Number.isFinite(maximum) && value > (maximum as number))
        fail(failures, 'range', `must be at most ${String(maximum)}`);
    });
  }
  const literals = rules['enum'];
  if (Array.isArray(literals)) {
    const allowed = new Set<unknown>(literals);
    checks.push((value, _record, failures) => {
      if (!each(value, (item) => allowed.has(item)))
        fail(failures, 'enum', `must be one of ${shownLiterals(literals)}`);
    });
  }
  const source = rules['expression'];
  if (typeof source === 'string') {
    const expression = compileRuleExpression(
      source,
      `${path}.expression`,
      options.engine,
      problems,
    );
    const message =
      typeof rules['message'] === 'string'
        ? rules['message']
        : `must satisfy ${source.slice(0, 80)}`;
    if (expression)
      checks.push((value, record, failures) => {
        try {
          if (!truthy(expression.evaluate(value, { target: record })))
            fail(failures, 'expression', message);
        } catch (error) {
          fail(failures, 'expression', `could not be checked: ${describeExpressionError(error)}`);
        }
      });
  }
  const required = rules['required'] === true;
  return (value, record, failures) => {
    if (value === undefined || value === null) {
      if (required) fail(failures, 'required', 'is required');
      return; // an absent optional value has nothing else to check
    }
    for (const check of checks) check(value, record, failures);
  };
}

function compileRuleExpression(
  source: string,
  path: string,
  engine: ExpressionEngine | undefined,
  problems: RuleProblem[],
): CompiledExpression | undefined {
  try {
    return (engine ?? new ExpressionEngine()).compile(source);
  } catch (error) {
    problems.push({ path, message: describeExpressionError(error) });
    return undefined;
  }
}
