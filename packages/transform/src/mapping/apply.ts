// The per-record hot path: variables, then each target record (condition, loop, fields,
// record rules). Synchronous; failures are collected with their paths, never with values.
import type { CompiledExpression } from '../expression/engine.js';
import { describeExpressionError } from '../validation/rules.js';
import type { ValidationFailure } from '../validation/types.js';
import { truthy } from '../validation/values.js';
import { MappingError } from './errors.js';
import { buildObject, EvaluationFailure, evaluate, itemsOf } from './build.js';
import type { FieldPlan, PlanTools } from './fields.js';
import { ScriptFailure, type RunSlot } from './run-functions.js';
import type { ApplyResult, ErrorPolicy, RunContext } from './types.js';

export interface RecordPlan {
  readonly path: string;
  readonly when?: CompiledExpression;
  readonly loop?: CompiledExpression;
  readonly fields: readonly FieldPlan[];
  readonly rules: ReadonlyArray<{ expression: CompiledExpression; message: string; path: string }>;
}

export interface MappingPlan {
  readonly variables: ReadonlyArray<{ name: string; expression: CompiledExpression }>;
  readonly records: readonly RecordPlan[];
  readonly policies: { expression: ErrorPolicy; script: ErrorPolicy; validation: ErrorPolicy };
  readonly maxRecords: number;
  readonly tools: PlanTools;
  readonly slot: RunSlot;
}

function evaluationFailure(error: unknown): ValidationFailure {
  if (error instanceof EvaluationFailure) {
    if (error.cause instanceof ScriptFailure)
      return { path: error.path, rule: 'script', message: error.cause.message };
    return { path: error.path, rule: 'evaluation', message: describe(error.cause) };
  }
  throw error; // a bug, not a record problem: let it surface
}

function describe(error: unknown): string {
  if (error instanceof ScriptFailure) return error.message;
  if (MappingError.is(error)) return error.message;
  return describeExpressionError(error);
}

function produce(
  plan: MappingPlan,
  record: unknown,
  bindings: Record<string, unknown>,
  failures: ValidationFailure[],
): unknown[] {
  const output: unknown[] = [];
  for (const target of plan.records) {
    if (target.when && !truthy(evaluate(target.when, record, bindings, `${target.path}.when`)))
      continue;
    const items = target.loop
      ? itemsOf(evaluate(target.loop, record, bindings, `${target.path}.loop`))
      : [record];
    if (output.length + items.length > plan.maxRecords) {
      failures.push({
        path: target.path,
        rule: 'limit',
        message: `would produce more than ${plan.maxRecords} target records from one source record`,
      });
      return output;
    }
    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      const inner = target.loop ? { ...bindings, item, index } : bindings;
      const before = failures.length;
      const built = buildObject(
        target.fields,
        item,
        inner,
        target.loop ? `[${index}]` : '',
        failures,
        plan.tools,
      );
      if (failures.length === before)
        for (const rule of target.rules)
          if (!truthy(evaluate(rule.expression, built, inner, `${rule.path}.expression`)))
            failures.push({ path: rule.path, rule: 'expression', message: rule.message });
      output.push(built);
    }
  }
  return output;
}

function policyOf(plan: MappingPlan, failure: ValidationFailure): ErrorPolicy {
  if (failure.rule === 'script') return plan.policies.script;
  if (failure.rule === 'evaluation' || failure.rule === 'limit') return plan.policies.expression;
  return plan.policies.validation;
}

export function applyMapping(plan: MappingPlan, record: unknown, run: RunContext): ApplyResult {
  const failures: ValidationFailure[] = [];
  plan.slot.run = run;
  try {
    const bindings: Record<string, unknown> = { record };
    let output: unknown[] = [];
    try {
      for (const variable of plan.variables)
        bindings[variable.name] = evaluate(
          variable.expression,
          record,
          bindings,
          `variables.${variable.name}`,
        );
      output = produce(plan, record, bindings, failures);
    } catch (error) {
      failures.push(evaluationFailure(error));
    }
    if (failures.length === 0) return { records: output };
    const fatal = failures.find((failure) => policyOf(plan, failure) === 'fail');
    if (fatal)
      throw new MappingError(
        'record_failed',
        `record failed: ${fatal.path}: ${fatal.message}`,
        failures.map(({ path, message }) => ({ path, message })),
      );
    return { failed: failures };
  } finally {
    plan.slot.run = undefined;
  }
}
