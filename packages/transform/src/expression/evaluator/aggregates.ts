// Fused aggregation: `$sum(items[status = "paid"].(quantity * unitPrice))` and its kin run as
// one loop over the data — filter, map and fold together, with no intermediate sequences —
// when the call resolves to the library's own `$sum`/`$count`/`$max`/`$min`/`$average` and the
// argument is a path of name steps (with filters a shortcut decider can decide) ending in a
// name or a block. The loop gives exactly the general evaluation's answer or answers
// UNDECIDED (an array where the general path would flatten or map, a value the general path
// would reject or treat specially, any error), and the caller then runs the general call.
import { ExpressionError, isFunctionValue, type NativeFunction } from '../contract.js';
import { STANDARD_FUNCTIONS } from '../functions/index.js';
import type { Node } from '../syntax/ast.js';
import { compile } from './compile.js';
import type { Frame } from './environment.js';
import type { Evaluator, FunctionValue, NativeValue } from './function-values.js';
import { isSequence } from './sequence.js';
import { compileDecider, UNDECIDED, type Decider, type Undecided } from './shortcuts.js';

export type Fold = 'sum' | 'count' | 'max' | 'min' | 'average';
export const FOLDS: ReadonlySet<string> = new Set<string>([
  'sum',
  'count',
  'max',
  'min',
  'average',
]);

interface FusedStep {
  /** A plain name step; undefined for the block that may end the path. */
  readonly name: string | undefined;
  readonly evaluate: Evaluator | undefined;
  readonly deciders: readonly Decider[];
}

/** A fused aggregate call, run only when the callee resolves to the library function. */
export interface FusedAggregate {
  run(input: unknown, frame: Frame): unknown;
}

export function bare(node: Node): boolean {
  return (
    node.predicate === undefined &&
    node.group === undefined &&
    node.keepArray !== true &&
    node.keepSingletonArray !== true &&
    node.tuple !== true &&
    node.focus === undefined &&
    node.index === undefined &&
    node.ancestor === undefined &&
    node.seekingParent === undefined &&
    node.consarray !== true
  );
}

function planSteps(path: Node): FusedStep[] | undefined {
  const steps = path.steps ?? [];
  if (steps.length === 0) return undefined;
  const plan: FusedStep[] = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Node;
    if (!bare(step)) return undefined;
    if (step.type === 'name') {
      const deciders: Decider[] = [];
      for (const stage of step.stages ?? []) {
        const decider = stage.type === 'filter' ? compileDecider(stage.expr as Node) : undefined;
        if (decider === undefined) return undefined;
        deciders.push(decider);
      }
      plan.push({ name: String(step.value), evaluate: undefined, deciders });
    } else if (step.type === 'block' && i > 0 && i === steps.length - 1 && !step.stages) {
      plan.push({ name: undefined, evaluate: compile(step), deciders: [] });
    } else {
      return undefined;
    }
  }
  return plan;
}

/** A call of a library fold on a fusable path: what it folds, and how. */
interface FoldPlan {
  /** The callee's name (without `$`), looked up at run time. */
  readonly name: string;
  readonly library: NativeFunction;
  readonly fold: Fold;
  readonly steps: readonly FusedStep[];
}

/** The plan of a call node `$sum(path)` and kin, or undefined when the call has another shape. */
function planFold(node: Node): FoldPlan | undefined {
  const procedure = node.procedure as Node;
  const args = node.arguments ?? [];
  if (procedure.type !== 'variable' || !bare(procedure) || procedure.stages) return undefined;
  const name = String(procedure.value);
  const library = STANDARD_FUNCTIONS.get(name);
  if (!FOLDS.has(name) || library === undefined || args.length !== 1) return undefined;
  const path = args[0] as Node;
  if (path.type !== 'path' || !bare(path) || path.stages) return undefined;
  const steps = planSteps(path);
  return steps === undefined ? undefined : { name, library, fold: name as Fold, steps };
}

/** True when `fn` is the library function itself (not a rebinding or a registered override). */
export function isLibraryFunction(fn: unknown, library: NativeFunction): boolean {
  return (
    isFunctionValue(fn) &&
    (fn as FunctionValue).kind === 'native' &&
    (fn as NativeValue).native === library
  );
}

/** The fused form of a call node, or undefined when the call has another shape. */
export function compileFusedAggregate(node: Node): FusedAggregate | undefined {
  const plan = planFold(node);
  if (plan === undefined) return undefined;
  const { fold, steps } = plan;
  const first = steps[0] as FusedStep;
  // `$count(id)` over the items of a group: one field of each item, the commonest shape
  const field = steps.length === 1 && first.deciders.length === 0 ? first.name : undefined;
  return {
    run: (input, frame) => {
      const accumulator = new Accumulator(fold !== 'count');
      try {
        if (field !== undefined && Array.isArray(input)) {
          if (!foldField(field, input, accumulator, frame)) return UNDECIDED;
        } else if (Array.isArray(input)) {
          for (let i = 0; i < input.length; i++)
            if (!visit(steps, 0, input[i], accumulator, frame)) return UNDECIDED;
        } else if (!visit(steps, 0, input, accumulator, frame)) {
          return UNDECIDED;
        }
      } catch (error) {
        // a limit stays hit; any other error is the general evaluation's to choose (it meets
        // them in its own order)
        if (isLimitError(error)) throw error;
        return UNDECIDED;
      }
      return accumulator.result(fold);
    },
  };
}

/** What the fold has seen so far; `add` refuses what the library function would not take as is. */
export class Accumulator {
  count = 0;
  total = 0;
  max = 0;
  min = 0;
  constructor(readonly numeric: boolean) {}

  add(value: unknown): boolean {
    if (this.numeric) {
      // NaN, infinities and non-numbers are errors (or special cases) of the general path
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      this.total += value;
      this.max = this.count === 0 ? value : Math.max(this.max, value);
      this.min = this.count === 0 ? value : Math.min(this.min, value);
    }
    this.count++;
    return true;
  }

  result(fold: Fold): unknown {
    if (fold === 'count') return this.count;
    if (this.count === 0) return undefined;
    switch (fold) {
      case 'sum':
        return this.total;
      case 'max':
        return this.max;
      case 'min':
        return this.min;
      default:
        return this.total / this.count;
    }
  }
}

/** `visit` for a path of one plain name over an array, as one loop. */
function foldField(
  name: string,
  items: readonly unknown[],
  accumulator: Accumulator,
  frame: Frame,
): boolean {
  const state = frame.state;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (Array.isArray(item)) return false;
    state.tick();
    if (typeof item !== 'object' || item === null || !Object.hasOwn(item, name)) continue;
    if (isFunctionValue(item)) continue;
    const value = (item as Record<string, unknown>)[name];
    if (value === undefined || typeof value === 'function') continue;
    if (!Array.isArray(value)) {
      if (!accumulator.add(value)) return false;
      continue;
    }
    if (isSequence(value)) return false;
    for (let j = 0; j < value.length; j++) {
      const element = value[j] as unknown;
      if (element === undefined || Array.isArray(element) || !accumulator.add(element))
        return false;
    }
  }
  return true;
}

/**
 * Runs step `index` on one item of the general path's input sequence for that step, depth
 * first (the flattened order of the general path's breadth-first steps is the same), and
 * folds what the last step gives. False when the general evaluation must decide.
 */
function visit(
  steps: readonly FusedStep[],
  index: number,
  item: unknown,
  accumulator: Accumulator,
  frame: Frame,
): boolean {
  // an array item is mapped over by the general step: not here
  if (Array.isArray(item)) return false;
  const state = frame.state;
  state.tick();
  const step = steps[index] as FusedStep;
  const name = step.name;
  let value: unknown;
  if (name !== undefined) {
    if (typeof item !== 'object' || item === null || !Object.hasOwn(item, name)) return true;
    if (isFunctionValue(item)) return true;
    value = (item as Record<string, unknown>)[name];
    // host functions are not data: invisible to expressions
    if (typeof value === 'function') return true;
  } else {
    value = (step.evaluate as Evaluator)(item, frame);
  }
  if (value === undefined) return true;
  const deciders = step.deciders;
  const filtered = deciders.length > 0;
  const last = index + 1 === steps.length;
  if (!Array.isArray(value)) {
    if (filtered) {
      state.tick();
      const verdict = decide(deciders, value);
      if (verdict !== true) return verdict === false;
    }
    return last ? accumulator.add(value) : visit(steps, index + 1, value, accumulator, frame);
  }
  if (isSequence(value) || name === undefined) return false;
  // a data array: its items are flattened into the next step's input (filtered first)
  for (let i = 0; i < value.length; i++) {
    const element = value[i] as unknown;
    if (element === undefined || Array.isArray(element)) return false;
    if (filtered) {
      state.tick();
      const verdict = decide(deciders, element);
      if (verdict === UNDECIDED) return false;
      if (!verdict) continue;
    }
    if (last ? !accumulator.add(element) : !visit(steps, index + 1, element, accumulator, frame))
      return false;
  }
  return true;
}

/** True when every decider keeps `candidate` (in order, as stacked filters run). */
function decide(deciders: readonly Decider[], candidate: unknown): boolean | Undecided {
  for (let d = 0; d < deciders.length; d++) {
    const verdict = (deciders[d] as Decider)(candidate);
    if (verdict === UNDECIDED) return UNDECIDED;
    if (verdict !== true) return false;
  }
  return true;
}

export function isLimitError(error: unknown): boolean {
  return ExpressionError.is(error) && (error.code === 'U1001' || error.code === 'U1002');
}
