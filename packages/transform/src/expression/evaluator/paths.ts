// Location paths: steps over sequences with flattening, predicates and stages, tuple streams
// for `@` / `#` / `%` bindings, order-by, wildcards and descendants. Follows the reference's
// evaluatePath / evaluateStep / evaluateTupleStep / evaluateFilter.
import type { Node, Stage } from '../syntax/ast.js';
import { isFunctionValue } from '../contract.js';
import { expressionError } from '../messages.js';
import { compile } from './compile.js';
import { compileGroup } from './constructors.js';
import { frameFromTuple, type Frame } from './environment.js';
import { compileFusedGroup } from './fused-group.js';
import type { Evaluator } from './function-values.js';
import {
  createSequence,
  createTupleStream,
  isConstructed,
  isSequence,
  isTupleStream,
  newTuple,
  sequenceOf,
  type Sequence,
  type Tuple,
} from './sequence.js';
import { compileDecider, plainNames, readNames, UNDECIDED } from './shortcuts.js';
import { append, isNumeric, isPlainObject, keysOf, toBoolean } from './values.js';

type StageFn = (input: unknown, frame: Frame) => Sequence;

interface SortPlan {
  terms: Array<{ descending: boolean; evaluate: Evaluator }>;
  position: number;
}

interface StepPlan {
  evaluate: Evaluator;
  /** A plain name step (`a` in `x.a`): read directly from objects, `evaluate` for anything else. */
  name: string | undefined;
  stages: StageFn[];
  tuple: boolean;
  focus: string | undefined;
  index: string | undefined;
  ancestor: string | undefined;
  consarray: boolean;
  sort: SortPlan | undefined;
}

export function compilePath(node: Node): Evaluator {
  const general = compileGeneralPath(node);
  // `items{key: $sum(field)}` and kin: one pass over the items
  const fusedGroup = node.group ? compileFusedGroup(node) : undefined;
  if (fusedGroup !== undefined) {
    return (input, frame) => {
      const result = fusedGroup(input, frame);
      return result === UNDECIDED ? general(input, frame) : result;
    };
  }
  const names =
    node.keepSingletonArray || node.group || node.tuple
      ? undefined
      : plainNames(node.steps as Node[]);
  if (names === undefined) return general;
  return (input, frame) => {
    const value = readNames(input, names);
    return value === UNDECIDED ? general(input, frame) : value;
  };
}

function compileGeneralPath(node: Node): Evaluator {
  const stepNodes = node.steps as Node[];
  const steps = stepNodes.map(planStep);
  const firstIsVariable = stepNodes[0]?.type === 'variable';
  const keepSingleton = node.keepSingletonArray === true;
  const keepTuples = node.tuple === true;
  const group = node.group ? compileGroup(node.group) : undefined;
  const last = steps.length - 1;

  return (input, frame) => {
    let inputSequence: unknown[] =
      Array.isArray(input) && !firstIsVariable ? input : sequenceOf(input);
    let resultSequence: unknown[] | undefined;
    let tupleBindings: Sequence<Tuple> | undefined;
    let isTuple = false;
    for (let i = 0; i <= last; i++) {
      const step = steps[i] as StepPlan;
      if (step.tuple) isTuple = true;
      if (i === 0 && step.consarray) {
        resultSequence = step.evaluate(inputSequence, frame) as unknown[];
      } else if (isTuple) {
        tupleBindings = evaluateTupleStep(step, inputSequence, tupleBindings, frame);
      } else {
        resultSequence = evaluateStep(step, inputSequence, frame, i === last);
      }
      if (!isTuple && (resultSequence === undefined || resultSequence.length === 0)) break;
      if (step.focus === undefined) inputSequence = resultSequence as unknown[];
    }
    if (isTuple) {
      if (keepTuples) {
        resultSequence = tupleBindings;
      } else {
        resultSequence = createSequence();
        for (const tuple of tupleBindings ?? []) resultSequence.push(tuple['@']);
      }
    }
    if (keepSingleton && resultSequence !== undefined) {
      if (isConstructed(resultSequence) && !isSequence(resultSequence))
        resultSequence = sequenceOf(resultSequence);
      if (isSequence(resultSequence)) resultSequence.keepSingleton = true;
    }
    if (group) return group(isTuple ? tupleBindings : resultSequence, frame);
    return resultSequence;
  };
}

function planStep(step: Node): StepPlan {
  const stages = (step.stages ?? []).map(compileStage);
  const plain = step.type === 'name' ? plainNames([{ ...step, stages: undefined }]) : undefined;
  return {
    evaluate: step.type === 'sort' ? () => undefined : compile(step),
    name: plain?.[0],
    stages,
    tuple: step.tuple === true,
    focus: step.focus,
    index: step.index,
    ancestor: step.ancestor?.label,
    consarray: step.consarray === true,
    sort:
      step.type === 'sort'
        ? {
            terms: (step.terms ?? []).map((t) => ({
              descending: t.descending,
              evaluate: compile(t.expression),
            })),
            position: step.position,
          }
        : undefined,
  };
}

function evaluateStep(
  step: StepPlan,
  input: unknown[],
  frame: Frame,
  lastStep: boolean,
): unknown[] {
  if (step.sort) return runStages(step.stages, sortSequence(step.sort, input, frame), frame);
  const flattened = createSequence<unknown>();
  const stages = step.stages;
  let results = 0;
  let only: unknown;
  const name = step.name;
  const state = frame.state;
  for (let i = 0; i < input.length; i++) {
    const item = input[i];
    let res: unknown;
    if (name !== undefined && typeof item === 'object' && item !== null && !Array.isArray(item)) {
      // what `lookup` gives for an object, without a closure call per item
      state.tick();
      res =
        Object.hasOwn(item, name) && !isFunctionValue(item)
          ? (item as Record<string, unknown>)[name]
          : undefined;
      if (typeof res === 'function') res = undefined;
      else if (Array.isArray(res) && isSequence(res)) res = step.evaluate(item, frame);
    } else {
      res = step.evaluate(item, frame);
    }
    for (let s = 0; s < stages.length; s++) res = (stages[s] as StageFn)(res, frame);
    if (res === undefined) continue;
    results++;
    only = res;
    if (!Array.isArray(res) || isConstructed(res)) flattened.push(res);
    else for (let j = 0; j < res.length; j++) flattened.push(res[j]);
  }
  // a single JSON array as the last step's only result is kept as it is
  if (lastStep && results === 1 && Array.isArray(only) && !isSequence(only)) return only;
  return flattened;
}

function runStages(stages: StageFn[], input: unknown[], frame: Frame): unknown[] {
  let result = input;
  for (const stage of stages) result = stage(result, frame);
  return result;
}

function evaluateTupleStep(
  step: StepPlan,
  input: unknown[],
  tupleBindings: Sequence<Tuple> | undefined,
  frame: Frame,
): Sequence<Tuple> {
  if (step.sort) {
    let result: Sequence<Tuple>;
    if (tupleBindings) {
      result = sortSequence(step.sort, tupleBindings, frame) as Sequence<Tuple>;
    } else {
      const sorted = sortSequence(step.sort, input, frame);
      result = createTupleStream();
      for (let i = 0; i < sorted.length; i++) {
        const tuple = newTuple();
        tuple['@'] = sorted[i];
        if (step.index !== undefined) tuple[step.index] = i;
        result.push(tuple);
      }
    }
    return runStages(step.stages, result, frame) as Sequence<Tuple>;
  }
  const bindings =
    tupleBindings ??
    input.map((item) => {
      const tuple = newTuple();
      tuple['@'] = item;
      return tuple;
    });
  let result = createTupleStream();
  for (const binding of bindings) {
    const scope = frameFromTuple(frame, binding);
    const value = step.evaluate(binding['@'], scope);
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    const fromTuples = isTupleStream(value);
    for (let j = 0; j < values.length; j++) {
      const tuple = newTuple();
      Object.assign(tuple, binding);
      if (fromTuples) {
        Object.assign(tuple, values[j]);
      } else {
        if (step.focus !== undefined) {
          tuple[step.focus] = values[j];
          tuple['@'] = binding['@'];
        } else {
          tuple['@'] = values[j];
        }
        if (step.index !== undefined) tuple[step.index] = j;
        if (step.ancestor !== undefined) tuple[step.ancestor] = binding['@'];
      }
      result.push(tuple);
    }
  }
  for (const stage of step.stages) result = stage(result, frame) as Sequence<Tuple>;
  return result;
}

function compileStage(stage: Stage): StageFn {
  if (stage.type === 'index') {
    const name = stage.value as string;
    return (input) => {
      const tuples = input as Sequence<Tuple>;
      for (let i = 0; i < tuples.length; i++) (tuples[i] as Tuple)[name] = i;
      return tuples;
    };
  }
  return compileFilter(stage.expr as Node);
}

/** A predicate `[...]`: a number selects by index (negative from the end), anything else filters. */
export function compileFilter(predicate: Node): StageFn {
  if (predicate.type === 'number') {
    const literal = Math.floor(predicate.value as number);
    return (value) => {
      const input = Array.isArray(value) ? value : sequenceOf(value);
      let results: Sequence = createSequence();
      if (isTupleStream(value)) results = createTupleStream();
      const item = input[literal < 0 ? input.length + literal : literal];
      if (item !== undefined) {
        if (Array.isArray(item)) return item as Sequence;
        results.push(item);
      }
      return results;
    };
  }
  const test = compile(predicate);
  const decide = compileDecider(predicate);
  return (value, frame) => {
    const tuples = isTupleStream(value);
    const results: Sequence = tuples ? createTupleStream() : createSequence();
    const input = Array.isArray(value) ? value : sequenceOf(value);
    const state = frame.state;
    for (let index = 0; index < input.length; index++) {
      const item = input[index];
      if (decide !== undefined && !tuples) {
        const decided = decide(item);
        if (decided !== UNDECIDED) {
          state.tick();
          if (decided === true) results.push(item);
          continue;
        }
      }
      let res = tuples
        ? test((item as Tuple)['@'], frameFromTuple(frame, item as Tuple))
        : test(item, frame);
      // the common case first: a comparison gave a boolean
      if (res === true) {
        results.push(item);
        continue;
      }
      if (res === false || res === undefined) continue;
      if (isNumeric(res)) res = [res];
      if (Array.isArray(res) && res.every((n) => isNumeric(n))) {
        for (const n of res as number[]) {
          let position = Math.floor(n);
          if (position < 0) position = input.length + position;
          if (position === index) results.push(item);
        }
      } else if (toBoolean(res)) {
        results.push(item);
      }
    }
    return results;
  };
}

/** Order-by: a stable sort on the terms, undefined last; mixed or non-scalar keys are errors. */
function sortSequence(plan: SortPlan, input: unknown[], frame: Frame): unknown[] {
  if (input.length <= 1) return input;
  const tuples = isTupleStream(input);
  const keys: unknown[][] = input.map(() => []);
  const computed: boolean[][] = input.map(() => []);
  const key = (i: number, t: number): unknown => {
    const row = computed[i] as boolean[];
    if (!row[t]) {
      const item = input[i];
      const term = plan.terms[t] as SortPlan['terms'][number];
      (keys[i] as unknown[])[t] = tuples
        ? term.evaluate((item as Tuple)['@'], frameFromTuple(frame, item as Tuple))
        : term.evaluate(item, frame);
      row[t] = true;
    }
    return (keys[i] as unknown[])[t];
  };
  const compare = (a: number, b: number): number => {
    frame.state.tick();
    for (let t = 0; t < plan.terms.length; t++) {
      const aa = key(a, t);
      const bb = key(b, t);
      if (aa === undefined) {
        if (bb === undefined) continue;
        return 1;
      }
      if (bb === undefined) return -1;
      const at = typeof aa;
      const bt = typeof bb;
      if (!(at === 'string' || at === 'number') || !(bt === 'string' || bt === 'number')) {
        throw expressionError('T2008', {
          position: plan.position,
          value: at === 'string' || at === 'number' ? bb : aa,
        });
      }
      if (at !== bt)
        throw expressionError('T2007', { position: plan.position, value: aa, value2: bb });
      if (aa === bb) continue;
      const comp = (aa as number) < (bb as number) ? -1 : 1;
      return (plan.terms[t] as SortPlan['terms'][number]).descending ? -comp : comp;
    }
    return 0;
  };
  const order = input.map((_item, i) => i).sort(compare);
  const sorted: unknown[] = tuples ? createTupleStream() : [];
  for (const i of order) sorted.push(input[i]);
  return sorted;
}

/** `*`: the values of every field, arrays flattened. */
export function evaluateWildcard(input: unknown): unknown {
  let results: unknown = createSequence();
  let subject = input;
  if (Array.isArray(subject) && isSequence(subject) && subject.outerWrapper && subject.length > 0)
    subject = subject[0];
  // arrays count as objects here (their indexes are the keys), as in the reference
  if (typeof subject === 'object' && subject !== null) {
    for (const key of keysOf(subject)) {
      const value = (subject as Record<string, unknown>)[key];
      if (Array.isArray(value)) results = append(results, flatten(value));
      else (results as unknown[]).push(value);
    }
  }
  return results;
}

function flatten(value: unknown, into: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const item of value) flatten(item, into);
  else into.push(value);
  return into;
}

/** `**`: every value below the context, depth first. */
export function evaluateDescendants(input: unknown, frame: Frame): unknown {
  if (input === undefined) return undefined;
  const results = createSequence<unknown>();
  const walk = (value: unknown): void => {
    frame.state.tick();
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    results.push(value);
    if (isPlainObject(value)) for (const key of keysOf(value)) walk(value[key]);
  };
  walk(input);
  return results.length === 1 ? results[0] : results;
}
