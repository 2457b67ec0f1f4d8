// Builds target objects from field plans, per record. Rule failures are collected; evaluation
// errors are thrown as EvaluationFailure tagged with their place in the document.
import { isFunctionValue } from '../expression/contract.js';
import type { CompiledExpression } from '../expression/engine.js';
import type { ValidationFailure } from '../validation/types.js';
import { truthy } from '../validation/values.js';
import type { FieldPlan, PlanTools } from './fields.js';
import { ScriptFailure } from './run-functions.js';

/** A failure while evaluating, tagged with where it happened in the document. */
export class EvaluationFailure extends Error {
  constructor(
    readonly path: string,
    override readonly cause: unknown,
  ) {
    super(path);
  }
}

/** The items of a loop: an array's items, one value as one item, nothing as none. */
export function itemsOf(value: unknown): readonly unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

const FUNCTION_SCAN_LIMIT = 10_000;

/**
 * A function value (a lambda, `$string` …) is not data and no writer can write it; finding it
 * here fails the record instead of the whole output stream. Scalars cost one check; objects and
 * arrays are scanned up to a bound (past it the writer still refuses, for the whole stream).
 */
function holdsFunction(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const pending: unknown[] = [value];
  for (let seen = 0; pending.length > 0 && seen < FUNCTION_SCAN_LIMIT; seen++) {
    const next = pending.pop();
    if (isFunctionValue(next)) return true;
    if (typeof next === 'object' && next !== null)
      for (const child of Array.isArray(next) ? next : Object.values(next))
        if (typeof child === 'object' && child !== null) pending.push(child);
  }
  return false;
}

/** Where failures of nested fields are reported: `customer.name`, `lines[2].sku`. */
function fieldPath(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

export function evaluate(
  expression: CompiledExpression,
  input: unknown,
  bindings: Record<string, unknown>,
  path: string,
): unknown {
  try {
    return expression.evaluate(input, bindings);
  } catch (error) {
    throw new EvaluationFailure(path, error);
  }
}

function fieldValue(
  plan: FieldPlan,
  input: unknown,
  bindings: Record<string, unknown>,
  prefix: string,
  failures: ValidationFailure[],
  tools: PlanTools,
): unknown {
  if (plan.children) return buildObject(plan.children, input, bindings, prefix, failures, tools);
  if (plan.value) return evaluate(plan.value, input, bindings, `${plan.path}.value`);
  if (plan.script !== undefined) {
    try {
      return tools.runScript(plan.script, input, bindings);
    } catch (error) {
      throw new EvaluationFailure(
        `${plan.path}.script`,
        error instanceof ScriptFailure ? error : new ScriptFailure(String(error)),
      );
    }
  }
  return undefined;
}

/** Builds one target object from its field plans; failures of rules are collected, evaluation errors thrown. */
export function buildObject(
  plans: readonly FieldPlan[],
  input: unknown,
  bindings: Record<string, unknown>,
  prefix: string,
  failures: ValidationFailure[],
  tools: PlanTools,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const plan of plans) {
    const where = fieldPath(prefix, plan.name);
    let value: unknown;
    if (
      plan.when === undefined ||
      truthy(evaluate(plan.when, input, bindings, `${plan.path}.when`))
    ) {
      if (plan.loop) {
        const items = itemsOf(evaluate(plan.loop, input, bindings, `${plan.path}.loop`));
        const list: unknown[] = [];
        items.forEach((item, index) => {
          const inner = { ...bindings, item, index };
          const built = fieldValue(plan, item, inner, `${where}[${index}]`, failures, tools);
          if (built !== undefined) list.push(built); // as in a JSONata sequence: nothing, not null
        });
        value = list;
      } else value = fieldValue(plan, input, bindings, where, failures, tools);
    }
    if (value === undefined && plan.hasDefault) value = plan.fallback;
    if (holdsFunction(value)) {
      failures.push({ path: where, rule: 'type', message: 'is a function, not data' });
      continue;
    }
    if (plan.checks.length > 0) {
      const local: ValidationFailure[] = [];
      for (const check of plan.checks) check(value, result, local);
      for (const failure of local) failures.push({ ...failure, path: where });
    }
    if (value !== undefined) result[plan.name] = value;
  }
  return result;
}
