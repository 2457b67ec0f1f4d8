// Array constructors `[...]` and object constructors `{k: v}` (which group their input by key).
import type { GroupSpec, Node } from '../syntax/ast.js';
import { expressionError } from '../messages.js';
import { compile } from './compile.js';
import { frameFromTuple, type Frame } from './environment.js';
import { compileFusedConstructor } from './fused-constructor.js';
import { UNDECIDED } from './shortcuts.js';
import type { Evaluator } from './function-values.js';
import { isTupleStream, markConstructed, newTuple, sequenceOf, type Tuple } from './sequence.js';
import { append } from './values.js';

export function compileArray(node: Node): Evaluator {
  const items = (node.expressions ?? []).map((item) => ({
    evaluate: compile(item),
    nested: item.type === 'unary' && item.value === '[',
  }));
  const constructed = node.consarray === true;
  return (input, frame) => {
    let result: unknown[] = [];
    for (const item of items) {
      const value = item.evaluate(input, frame);
      if (value === undefined) continue;
      if (item.nested) result.push(value);
      else result = append(result, value) as unknown[];
    }
    frame.state.charge(result.length);
    if (constructed) markConstructed(result);
    return result;
  };
}

interface Group {
  data: unknown;
  pairIndex: number;
  /** `data` is an array this group created, so appending may push in place (no quadratic copying). */
  owned: boolean;
}

/** `append(group.data, item)` without copying the array built so far. */
function appendTo(group: { data: unknown; owned: boolean }, item: unknown): void {
  if (item === undefined) return;
  if (!group.owned) {
    group.data = append(group.data, item);
    group.owned = Array.isArray(group.data) && group.data !== item;
    return;
  }
  const data = group.data as unknown[];
  if (Array.isArray(item)) for (let i = 0; i < item.length; i++) data.push(item[i]);
  else data.push(item);
}

/** `{k: v}` over a sequence: items are grouped by the key each produces, then v runs per group. */
export function compileGroup(
  spec: GroupSpec,
): (input: unknown, frame: Frame) => Record<string, unknown> {
  const pairs = spec.pairs.map(([key, value]) => ({ key: compile(key), value: compile(value) }));
  const general = compileGeneralGroup(spec, pairs);
  // `{"a": x, "b": y}` on one item (not an array): every key is a distinct literal, so the
  // grouping is trivial and each value runs once on the item itself
  const literalKeys = spec.pairs.map(([key]) =>
    key.type === 'string' ? String(key.value) : undefined,
  );
  const distinct =
    literalKeys.every((key) => key !== undefined) &&
    new Set(literalKeys).size === literalKeys.length;
  if (!distinct) return general;
  const keys = literalKeys as string[];
  const values = pairs.map((pair) => pair.value);
  // folds over one collection: one pass over it for all of them
  const fused = compileFusedConstructor(
    keys,
    spec.pairs.map(([, value]) => value),
  );
  return (value, frame) => {
    if (Array.isArray(value)) {
      if (isTupleStream(value)) return general(value, frame);
      return literalGroups(keys, values, value, frame) ?? general(value, frame);
    }
    if (fused !== undefined) {
      const result = fused(value, frame);
      if (result !== UNDECIDED) return result as Record<string, unknown>;
    }
    const result = Object.create(null) as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const entry = (values[i] as Evaluator)(value, frame);
      if (entry !== undefined) result[keys[i] as string] = entry;
    }
    return result;
  };
}

/**
 * Distinct literal keys over an array: every item lands in every key's group (the first key
 * claims each name), so each group holds the same data — what the general grouping builds one
 * append at a time: the item itself for one, otherwise the items flattened one level into a
 * new array. Each key gets its own copy, as there. Undefined when the general grouping must
 * run (no items, or a missing item, which it treats specially).
 */
function literalGroups(
  keys: readonly string[],
  values: readonly Evaluator[],
  input: readonly unknown[],
  frame: Frame,
): Record<string, unknown> | undefined {
  if (input.length === 0) return undefined;
  for (let i = 0; i < input.length; i++) if (input[i] === undefined) return undefined;
  const state = frame.state;
  const result = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    let data: unknown = input[0];
    if (input.length > 1) {
      const items: unknown[] = [];
      for (let n = 0; n < input.length; n++) {
        const item = input[n];
        state.tick();
        if (Array.isArray(item)) for (let j = 0; j < item.length; j++) items.push(item[j]);
        else items.push(item);
      }
      data = items;
    }
    const entry = (values[i] as Evaluator)(data, frame);
    if (entry !== undefined) result[keys[i] as string] = entry;
  }
  return result;
}

function compileGeneralGroup(
  spec: GroupSpec,
  pairs: Array<{ key: Evaluator; value: Evaluator }>,
): (input: unknown, frame: Frame) => Record<string, unknown> {
  return (value, frame) => {
    const reduce = isTupleStream(value);
    const input: unknown[] = Array.isArray(value) ? value : sequenceOf(value);
    if (input.length === 0 && !reduce) input.push(undefined);
    const groups = new Map<string, Group>();
    for (const item of input) {
      const scope = reduce ? frameFromTuple(frame, item as Tuple) : frame;
      const context = reduce ? (item as Tuple)['@'] : item;
      for (let pairIndex = 0; pairIndex < pairs.length; pairIndex++) {
        const key = (pairs[pairIndex] as (typeof pairs)[number]).key(context, scope);
        if (key === undefined) continue;
        if (typeof key !== 'string')
          throw expressionError('T1003', { position: spec.position, value: key });
        const existing = groups.get(key);
        if (existing === undefined) {
          groups.set(key, { data: item, pairIndex, owned: false });
        } else {
          if (existing.pairIndex !== pairIndex)
            throw expressionError('D1009', { position: spec.position, value: key });
          appendTo(existing, item);
        }
      }
    }
    const result = Object.create(null) as Record<string, unknown>;
    for (const [key, group] of groups) {
      let context = group.data;
      let scope = frame;
      if (reduce) {
        const tuple = reduceTupleStream(group.data);
        context = tuple['@'];
        delete tuple['@'];
        scope = frameFromTuple(frame, tuple);
      }
      const entry = (pairs[group.pairIndex] as (typeof pairs)[number]).value(context, scope);
      if (entry !== undefined) result[key] = entry;
    }
    return result;
  };
}

function reduceTupleStream(stream: unknown): Tuple {
  const result = newTuple();
  if (!Array.isArray(stream)) return Object.assign(result, stream as Tuple);
  const entries = new Map<string, { data: unknown; owned: boolean }>();
  for (const tuple of stream as Tuple[]) {
    for (const key in tuple) {
      const entry = entries.get(key);
      if (entry === undefined) entries.set(key, { data: tuple[key], owned: false });
      else appendTo(entry, tuple[key]);
    }
  }
  for (const [key, entry] of entries) result[key] = entry.data;
  return result;
}
