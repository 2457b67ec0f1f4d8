// One pass for an object constructor whose values are folds over one collection:
//   { "paid": $count(items[status = "paid" and amount > 100]),
//     "revenue": $sum(items[status = "paid" and amount > 100].(quantity * unitPrice)),
//     "maxAmount": $max(items[status = "paid"].amount) }
// The fields all the folds use are read from each item once, into columns (field-reader.ts);
// each distinct filter is judged once over them, and each fold runs over the items its filter
// kept (column-scan.ts). The answer is the general evaluation's or UNDECIDED (an item that is
// not a plain data object, a field holding an array or a host function, a value a fold or an
// operator would reject, any error), and the caller then runs the general evaluation, which
// raises its errors in its own order.
import type { Node } from '../syntax/ast.js';
import { Accumulator, bare, isLibraryFunction, isLimitError } from './aggregates.js';
import type { Frame } from './environment.js';
import { ColumnScan, type Selection } from './column-scan.js';
import { assignReader, newColumns, readableNames, type RowReader } from './field-reader.js';
import {
  FieldPlan,
  filtersOf,
  foldCall,
  termOf,
  type FoldCall,
  type SlotTest,
  type Term,
} from './field-plan.js';
import { isSequence } from './sequence.js';
import { readNames, UNDECIDED, type Undecided } from './shortcuts.js';

interface FoldSite {
  readonly key: string;
  readonly call: FoldCall;
  /** Index into the distinct filters, or -1 for none. */
  readonly filter: number;
  /** What is folded for a kept item; undefined: the item itself (`$count` only). */
  readonly term: Term | undefined;
}

/** The runner of a fusable constructor (literal `keys`, one value node each), or undefined. */
export function compileFusedConstructor(
  keys: readonly string[],
  values: readonly Node[],
): ((input: unknown, frame: Frame) => unknown) | undefined {
  const plan = new FieldPlan();
  const filterKeys: string[] = [];
  const filters: SlotTest[][] = [];
  const sites: FoldSite[] = [];
  let source: string[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const call = foldCall(values[i] as Node);
    if (call === undefined) return undefined;
    const steps = call.path.steps ?? [];
    const last = steps[steps.length - 1];
    // `items[f].amount` / `items[f].(q * p)`: the last step maps each kept item
    const tail =
      steps.length >= 2 && last && !last.stages && (last.type === 'name' || last.type === 'block')
        ? last
        : undefined;
    const sourceSteps = tail ? steps.slice(0, -1) : steps;
    const names: string[] = [];
    for (let j = 0; j < sourceSteps.length; j++) {
      const step = sourceSteps[j] as Node;
      if (step.type !== 'name' || !bare(step)) return undefined;
      if (step.stages && j !== sourceSteps.length - 1) return undefined;
      names.push(String(step.value));
    }
    if (source === undefined) source = names;
    else if (JSON.stringify(source) !== JSON.stringify(names)) return undefined;
    const tests = filtersOf(sourceSteps[sourceSteps.length - 1] as Node, plan);
    if (tests === undefined) return undefined;
    let filter = -1;
    if (tests.length > 0) {
      const text = tests.map((test) => test.key).join(' ');
      filter = filterKeys.indexOf(text);
      if (filter < 0) {
        filter = filters.push(tests) - 1;
        filterKeys.push(text);
      }
    }
    let term: Term | undefined;
    if (tail !== undefined) {
      term = termOf(tail, plan);
      if (term === undefined) return undefined;
    } else if (call.fold !== 'count') {
      return undefined; // folding the items themselves: only a count takes objects
    }
    sites.push({ key: keys[i] as string, call, filter, term });
  }
  if (source === undefined || source.length === 0 || plan.names.length === 0) return undefined;
  const fused: FusedConstructor = {
    collectionPath: source,
    names: plan.names,
    reader: assignReader(),
    filters,
    sites,
  };
  return (input, frame) => run(fused, input, frame);
}

interface FusedConstructor {
  readonly collectionPath: readonly string[];
  readonly names: readonly string[];
  readonly reader: RowReader;
  readonly filters: readonly SlotTest[][];
  readonly sites: readonly FoldSite[];
}

function run(fused: FusedConstructor, input: unknown, frame: Frame): unknown {
  const sites = fused.sites;
  for (let s = 0; s < sites.length; s++) {
    const call = (sites[s] as FoldSite).call;
    // `$sum` may be rebound in a block or registered over by the host
    if (!isLibraryFunction(frame.lookup(call.name), call.library)) return UNDECIDED;
  }
  if (!readableNames(fused.names)) return UNDECIDED;
  const collection = readNames(input, fused.collectionPath);
  if (!Array.isArray(collection) || isSequence(collection)) return UNDECIDED;
  const result = Object.create(null) as Record<string, unknown>;
  const columns = newColumns(fused.names.length, collection.length);
  try {
    if (!fused.reader(collection, fused.names, columns, frame.state)) return UNDECIDED;
    const scan = new ColumnScan(collection.length, columns);
    // each distinct filter once (ColumnScan shares results), then each fold over what it keeps
    const kept = fused.filters.map((tests) => {
      let selection: Selection | Undecided = scan.all;
      for (let t = 0; t < tests.length && selection !== UNDECIDED; t++)
        selection = scan.select(tests[t] as SlotTest, selection);
      return selection;
    });
    for (let s = 0; s < sites.length; s++) {
      const site = sites[s] as FoldSite;
      const selection = site.filter < 0 ? scan.all : kept[site.filter];
      if (selection === undefined || selection === UNDECIDED) return UNDECIDED;
      const accumulator = new Accumulator(site.call.fold !== 'count');
      if (!scan.fold(site.term, selection, accumulator)) return UNDECIDED;
      const value = accumulator.result(site.call.fold);
      if (value !== undefined) result[site.key] = value;
    }
  } catch (error) {
    // a limit stays hit; any other error (a getter's) is the general evaluation's to raise
    if (isLimitError(error)) throw error;
    return UNDECIDED;
  }
  return result;
}
