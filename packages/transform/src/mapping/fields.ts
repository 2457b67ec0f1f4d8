// Target fields: compiled once from the document into plans (built per record in build.ts).
import type { CompiledExpression, ExpressionEngine } from '../expression/engine.js';
import type { InterfaceField } from '../interfaces/model.js';
import { rulesFromInterface } from '../validation/from-interface.js';
import { compileFieldRules, type FieldCheck } from '../validation/rules.js';
import type { ValidationRules } from '../validation/types.js';
import type { MappingProblem } from './errors.js';
import {
  checkablePaths,
  compatible,
  resolvePath,
  simplePath,
  levelOf,
  UNKNOWN_LEVEL,
  type Level,
  type PathRef,
} from './static-check.js';

const FIELD_KEYS = new Set(['value', 'script', 'default', 'when', 'loop', 'fields', 'validate']);

/** The interface fields visible where an expression runs: the source record and the context item. */
export interface Scope {
  readonly record: Level;
  readonly context: Level;
}

/** What the compiler hands to every node. */
export interface PlanTools {
  expression(source: unknown, path: string): CompiledExpression | undefined;
  readonly engine: ExpressionEngine;
  readonly problems: MappingProblem[];
  readonly scripts: ReadonlySet<string>;
  readonly runScript: (name: string, input: unknown, bindings: Record<string, unknown>) => unknown;
}

export interface FieldPlan {
  readonly name: string;
  readonly path: string; // in the document
  readonly value?: CompiledExpression;
  readonly script?: string;
  readonly when?: CompiledExpression;
  readonly loop?: CompiledExpression;
  readonly children?: readonly FieldPlan[];
  readonly hasDefault: boolean;
  readonly fallback: unknown;
  readonly checks: readonly FieldCheck[];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function staticCheck(
  source: unknown,
  path: string,
  scope: Scope,
  target: InterfaceField | undefined,
  tools: PlanTools,
): void {
  if (typeof source !== 'string') return;
  const levelFor = (ref: PathRef): Level => (ref.root === 'record' ? scope.record : scope.context);
  for (const ref of checkablePaths(source))
    if (resolvePath(levelFor(ref), ref.steps) === 'missing')
      tools.problems.push({
        path,
        message: `source field "${ref.steps.join('.')}" does not exist in the source interface`,
      });
  const whole = simplePath(source);
  if (whole === undefined || target === undefined) return;
  const resolved = resolvePath(levelFor(whole), whole.steps);
  if (typeof resolved !== 'object') return;
  const from = resolved.field;
  if (
    !compatible(from.type, target.type) ||
    (from.type === 'object') !== (target.type === 'object')
  )
    tools.problems.push({
      path,
      message: `source field of type ${from.type} cannot fill target field "${target.name}" of type ${target.type}`,
    });
}

/** The fields an item of `loop` carries, when the loop is a path the source interface knows. */
export function loopScope(source: unknown, scope: Scope): Level {
  if (typeof source !== 'string') return UNKNOWN_LEVEL;
  const ref = simplePath(source);
  if (!ref) return UNKNOWN_LEVEL;
  const from = ref.root === 'record' ? scope.record : scope.context;
  return levelOf(resolvePath(from, ref.steps), from);
}

/** Deepest nesting of `fields` in a mapping document (the record's own fields are level 1). */
export const MAX_FIELD_DEPTH = 32;

export function compileFields(
  nodes: unknown,
  path: string,
  scope: Scope,
  target: { fields: readonly InterfaceField[] | undefined; closed: boolean },
  tools: PlanTools,
  depth = 1,
): FieldPlan[] {
  // Compiling recurses per level; a document nested thousands deep would overflow the stack.
  if (depth > MAX_FIELD_DEPTH) {
    tools.problems.push({
      path,
      message: `mapping_too_deep: fields nest deeper than ${MAX_FIELD_DEPTH} levels`,
    });
    return [];
  }
  if (!isObject(nodes)) {
    tools.problems.push({ path, message: 'must be an object of target fields' });
    return [];
  }
  const plans: FieldPlan[] = [];
  for (const [name, node] of Object.entries(nodes)) {
    const nodePath = `${path}.${name}`;
    const targetField = target.fields?.find((field) => field.name === name);
    if (name === '__proto__') {
      tools.problems.push({ path: nodePath, message: 'is a reserved name' });
      continue;
    }
    if (target.fields !== undefined && target.closed && targetField === undefined)
      tools.problems.push({
        path: nodePath,
        message: `target field "${name}" is not in the target interface`,
      });
    const plan = compileField(
      name,
      node,
      nodePath,
      scope,
      { field: targetField, closed: target.closed, depth },
      tools,
    );
    if (plan) plans.push(plan);
  }
  for (const field of target.fields ?? [])
    if (field.required && !Object.hasOwn(nodes, field.name))
      tools.problems.push({
        path,
        message: `required target field "${field.name}" has no mapping and no default`,
      });
  return plans;
}

function compileField(
  name: string,
  node: unknown,
  path: string,
  scope: Scope,
  at: { field: InterfaceField | undefined; closed: boolean; depth: number },
  tools: PlanTools,
): FieldPlan | undefined {
  const { field: target, closed } = at;
  // shorthand: `id: orderId` is `id: { value: orderId }`
  const spec: Record<string, unknown> | undefined =
    typeof node === 'string' ? { value: node } : isObject(node) ? node : undefined;
  if (spec === undefined) {
    tools.problems.push({ path, message: 'must be an expression string or a field node object' });
    return undefined;
  }
  for (const key of Object.keys(spec))
    if (!FIELD_KEYS.has(key))
      tools.problems.push({ path: `${path}.${key}`, message: 'unknown key' });
  const kinds = ['value', 'script', 'fields'].filter((key) => spec[key] !== undefined);
  if (kinds.length > 1)
    tools.problems.push({ path, message: `has both ${kinds.join(' and ')}; use one` });
  if (kinds.length === 0 && !Object.hasOwn(spec, 'default'))
    tools.problems.push({ path, message: 'needs a value, a script, fields or a default' });
  const hasDefault = Object.hasOwn(spec, 'default');
  const loop =
    spec['loop'] === undefined ? undefined : tools.expression(spec['loop'], `${path}.loop`);
  const when =
    spec['when'] === undefined ? undefined : tools.expression(spec['when'], `${path}.when`);
  if (spec['loop'] !== undefined)
    staticCheck(spec['loop'], `${path}.loop`, scope, undefined, tools);
  const itemScope: Scope =
    spec['loop'] === undefined ? scope : { ...scope, context: loopScope(spec['loop'], scope) };
  let value: CompiledExpression | undefined;
  if (spec['value'] !== undefined) {
    value = tools.expression(spec['value'], `${path}.value`);
    const scalarTarget =
      target && spec['loop'] === undefined && !target.repeated ? target : undefined;
    staticCheck(spec['value'], `${path}.value`, itemScope, scalarTarget, tools);
  }
  let script: string | undefined;
  if (spec['script'] !== undefined) {
    if (typeof spec['script'] !== 'string' || !tools.scripts.has(spec['script']))
      tools.problems.push({
        path: `${path}.script`,
        message: 'names no script declared in scripts',
      });
    else script = spec['script'];
  }
  let children: FieldPlan[] | undefined;
  if (spec['fields'] !== undefined) {
    if (target && target.type !== 'object' && target.type !== 'any')
      tools.problems.push({
        path,
        message: `target field "${name}" is of type ${target.type}, not an object`,
      });
    children = compileFields(
      spec['fields'],
      `${path}.fields`,
      itemScope,
      { fields: target?.fields, closed: target?.closed ?? closed },
      tools,
      at.depth + 1,
    );
  }
  if (
    target &&
    spec['loop'] !== undefined &&
    !target.repeated &&
    target.type !== 'array' &&
    target.type !== 'any'
  )
    tools.problems.push({ path: `${path}.loop`, message: `target field "${name}" is not a list` });
  if (target?.repeated && spec['fields'] !== undefined && spec['loop'] === undefined)
    tools.problems.push({
      path,
      message: `target field "${name}" is a list: give the node a loop`,
    });
  const checks: FieldCheck[] = [];
  const ruleOptions = {
    field: name,
    engine: tools.engine,
    repeated: spec['loop'] !== undefined || target?.repeated === true,
  };
  if (target)
    checks.push(
      compileFieldRules(
        rulesFromInterface(target),
        { ...ruleOptions, path: `${path} (target interface)` },
        tools.problems,
      ),
    );
  if (spec['validate'] !== undefined) {
    if (!isObject(spec['validate']))
      tools.problems.push({ path: `${path}.validate`, message: 'must be an object of rules' });
    else
      checks.push(
        compileFieldRules(
          spec['validate'] as ValidationRules,
          { ...ruleOptions, path: `${path}.validate` },
          tools.problems,
        ),
      );
  }
  return {
    name,
    path,
    value,
    script,
    when,
    loop,
    children,
    hasDefault,
    fallback: spec['default'],
    checks,
  };
}
