// One pass for a group-by whose values are folds of the grouped items' fields:
//   items{ status: { "count": $count(id), "amount": $sum(amount) } }   or   items{ status: $sum(amount) }
// The general evaluation builds each group's array of items and then evaluates the value over
// it, once per fold; here the key and the folded fields of each item are read once (into
// columns, field-reader.ts) and each item is added straight to its group's accumulators. The
// answer is the general evaluation's or UNDECIDED (an item that is not a plain data object, a
// key that is not a string, a field holding an array or a host function, a value a fold would
// not take as is, an empty collection, any error), and the caller then runs the general one.
import type { Node } from '../syntax/ast.js';
import { Accumulator, bare, isLibraryFunction, isLimitError } from './aggregates.js';
import type { Frame } from './environment.js';
import { assignReader, newColumns, readableNames, type RowReader } from './field-reader.js';
import { FieldPlan, foldCall, termOf, type FoldCall } from './field-plan.js';
import { isSequence } from './sequence.js';
import { plainNames, readNames, UNDECIDED } from './shortcuts.js';

interface GroupFold {
  /** The key in the value's object constructor; undefined when the value is the fold itself. */
  readonly key: string | undefined;
  readonly call: FoldCall;
  readonly slot: number;
}

interface FusedGroup {
  readonly collectionPath: readonly string[];
  readonly names: readonly string[];
  readonly reader: RowReader;
  readonly keySlot: number;
  readonly folds: readonly GroupFold[];
}

/** The fold of `$sum(field)` (a one-name path) as a slot, or undefined. */
function groupFold(node: Node, key: string | undefined, plan: FieldPlan): GroupFold | undefined {
  const call = foldCall(node);
  if (call === undefined) return undefined;
  const term = termOf(call.path, plan);
  if (term === undefined || term.slot < 0) return undefined;
  return { key, call, slot: term.slot };
}

/** The runner of a fusable path with a group (`items{key: value}`), or undefined. */
export function compileFusedGroup(
  path: Node,
): ((input: unknown, frame: Frame) => unknown) | undefined {
  const group = path.group;
  if (group?.pairs.length !== 1 || path.keepSingletonArray || path.tuple) return undefined;
  const collectionPath = plainNames(path.steps ?? []);
  if (collectionPath === undefined) return undefined;
  const [keyNode, valueNode] = group.pairs[0] as [Node, Node];
  const plan = new FieldPlan();
  const keyTerm = termOf(keyNode, plan);
  if (keyTerm === undefined || keyTerm.slot < 0) return undefined;
  const folds: GroupFold[] = [];
  if (valueNode.type === 'function') {
    const fold = groupFold(valueNode, undefined, plan);
    if (fold === undefined) return undefined;
    folds.push(fold);
  } else if (valueNode.type === 'unary' && valueNode.value === '{' && bare(valueNode)) {
    if (valueNode.stages) return undefined;
    for (const [key, value] of valueNode.pairs ?? []) {
      if (key.type !== 'string' || folds.some((fold) => fold.key === key.value)) return undefined;
      const fold = groupFold(value, String(key.value), plan);
      if (fold === undefined) return undefined;
      folds.push(fold);
    }
  } else {
    return undefined;
  }
  const fused: FusedGroup = {
    collectionPath,
    names: plan.names,
    reader: assignReader(),
    keySlot: keyTerm.slot,
    folds,
  };
  return (input, frame) => run(fused, input, frame);
}

function run(fused: FusedGroup, input: unknown, frame: Frame): unknown {
  const folds = fused.folds;
  for (let f = 0; f < folds.length; f++) {
    const call = (folds[f] as GroupFold).call;
    // `$sum` may be rebound in a block or registered over by the host
    if (!isLibraryFunction(frame.lookup(call.name), call.library)) return UNDECIDED;
  }
  if (!readableNames(fused.names)) return UNDECIDED;
  const collection = readNames(input, fused.collectionPath);
  // the general grouping treats no items specially: it decides
  if (!Array.isArray(collection) || isSequence(collection) || collection.length === 0)
    return UNDECIDED;
  const columns = newColumns(fused.names.length, collection.length);
  try {
    if (!fused.reader(collection, fused.names, columns, frame.state)) return UNDECIDED;
    const groups = collect(fused, columns, collection.length);
    return groups === undefined ? UNDECIDED : results(fused, groups);
  } catch (error) {
    // a limit stays hit; any other error (a getter's) is the general evaluation's to raise
    if (isLimitError(error)) throw error;
    return UNDECIDED;
  }
}

/** Each item's folded fields added to its group's accumulators, groups in order of first item. */
function collect(
  fused: FusedGroup,
  columns: readonly unknown[][],
  count: number,
): Map<string, Accumulator[]> | undefined {
  const groups = new Map<string, Accumulator[]>();
  const keys = columns[fused.keySlot] as unknown[];
  const folds = fused.folds;
  for (let i = 0; i < count; i++) {
    const key = keys[i];
    if (key === undefined) continue; // no key: in no group
    if (typeof key !== 'string') return undefined; // T1003, which the general path raises
    let accumulators = groups.get(key);
    if (accumulators === undefined) {
      accumulators = folds.map((fold) => new Accumulator(fold.call.fold !== 'count'));
      groups.set(key, accumulators);
    }
    for (let f = 0; f < folds.length; f++) {
      const value = (columns[(folds[f] as GroupFold).slot] as unknown[])[i];
      if (value !== undefined && !(accumulators[f] as Accumulator).add(value)) return undefined;
    }
  }
  return groups;
}

function results(fused: FusedGroup, groups: Map<string, Accumulator[]>): Record<string, unknown> {
  const result = Object.create(null) as Record<string, unknown>;
  for (const [key, accumulators] of groups) {
    const folds = fused.folds;
    if ((folds[0] as GroupFold).key === undefined) {
      const value = (accumulators[0] as Accumulator).result((folds[0] as GroupFold).call.fold);
      if (value !== undefined) result[key] = value;
      continue;
    }
    const entry = Object.create(null) as Record<string, unknown>;
    for (let f = 0; f < folds.length; f++) {
      const fold = folds[f] as GroupFold;
      const value = (accumulators[f] as Accumulator).result(fold.call.fold);
      if (value !== undefined) entry[fold.key as string] = value;
    }
    result[key] = entry;
  }
  return result;
}
