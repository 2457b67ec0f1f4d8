// The `records:` list of a document: each target record's condition, loop, fields and rules.
import type { RecordInterface } from '../interfaces/model.js';
import type { RecordPlan } from './apply.js';
import { compileFields, isObject, loopScope, type FieldPlan, type PlanTools } from './fields.js';

const RECORD_KEYS = new Set(['when', 'loop', 'fields', 'validate']);

export function compileRecords(
  value: unknown,
  source: RecordInterface | undefined,
  target: RecordInterface | undefined,
  tools: PlanTools,
): RecordPlan[] {
  if (!Array.isArray(value) || value.length === 0) {
    tools.problems.push({ path: 'records', message: 'must be a non-empty list of target records' });
    return [];
  }
  return value.map((node, index): RecordPlan => {
    const path = `records[${index}]`;
    if (!isObject(node)) {
      tools.problems.push({ path, message: 'must be an object with fields' });
      return { path, fields: [], rules: [] };
    }
    for (const key of Object.keys(node))
      if (!RECORD_KEYS.has(key))
        tools.problems.push({ path: `${path}.${key}`, message: 'unknown key' });
    const when =
      node['when'] === undefined ? undefined : tools.expression(node['when'], `${path}.when`);
    const loop =
      node['loop'] === undefined ? undefined : tools.expression(node['loop'], `${path}.loop`);
    const level = { fields: source?.fields, closed: source?.closed ?? false };
    const scope = { record: level, context: level };
    const fields: FieldPlan[] = compileFields(
      node['fields'],
      `${path}.fields`,
      loop ? { ...scope, context: loopScope(node['loop'], scope) } : scope,
      { fields: target?.fields, closed: target?.closed ?? false },
      tools,
    );
    const rules: Array<RecordPlan['rules'][number]> = [];
    if (node['validate'] !== undefined) {
      if (!Array.isArray(node['validate']))
        tools.problems.push({
          path: `${path}.validate`,
          message: 'must be a list of { expression, message }',
        });
      else
        node['validate'].forEach((rule: unknown, at: number) => {
          const rulePath = `${path}.validate[${at}]`;
          if (!isObject(rule))
            return void tools.problems.push({
              path: rulePath,
              message: 'must be { expression, message }',
            });
          const expression = tools.expression(rule['expression'], `${rulePath}.expression`);
          const message =
            typeof rule['message'] === 'string'
              ? rule['message']
              : `must satisfy ${String(rule['expression']).slice(0, 80)}`;
          if (expression) rules.push({ expression, message, path: rulePath });
        });
    }
    return { path, when, loop, fields, rules };
  });
}
