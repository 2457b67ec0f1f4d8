// Shortcuts for the per-record hot path: field paths over plain objects (`a.b.c`) and filter
// predicates made of such paths compared with literals (`[status = "paid" and amount > 100]`).
// Each shortcut either gives exactly the general evaluation's result or answers UNDECIDED (an
// array on the way, a value whose comparison could be an error), and the caller then runs
// the general evaluation. They allocate nothing and call no closures per step.
import { isFunctionValue } from '../contract.js';
import type { Node } from '../syntax/ast.js';
import { isSequence } from './sequence.js';
import { order } from './values.js';

/** Marks that a shortcut could not decide and the general evaluation must run. */
export const UNDECIDED = Symbol('undecided');
export type Undecided = typeof UNDECIDED;

/** The node carries nothing that changes how its value is produced (predicates, grouping, …). */
export function unadorned(node: Node): boolean {
  return (
    node.predicate === undefined &&
    node.stages === undefined &&
    node.group === undefined &&
    node.keepArray !== true &&
    node.tuple !== true &&
    node.focus === undefined &&
    node.index === undefined &&
    node.ancestor === undefined &&
    node.seekingParent === undefined
  );
}

/** The field names of a path made only of plain name steps, or undefined. */
export function plainNames(steps: readonly Node[]): string[] | undefined {
  if (steps.length === 0) return undefined;
  if (!steps.every((step) => step.type === 'name' && unadorned(step))) return undefined;
  return steps.map((step) => String(step.value));
}

function plainNamePath(node: Node): string[] | undefined {
  if (node.type !== 'path' || !unadorned(node) || node.keepSingletonArray === true)
    return undefined;
  return plainNames(node.steps ?? []);
}

/**
 * `a.b.c` read by own properties, as the general path evaluation would over objects that are
 * not arrays; UNDECIDED as soon as an array (or a sequence) shows up.
 */
export function readNames(input: unknown, names: readonly string[]): unknown {
  let value = input;
  for (let i = 0; i < names.length; i++) {
    if (Array.isArray(value)) return UNDECIDED;
    if (typeof value !== 'object' || value === null || isFunctionValue(value)) return undefined;
    const name = names[i] as string;
    if (!Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
    // host functions are not data: invisible to expressions
    if (typeof value === 'function') return undefined;
  }
  return Array.isArray(value) && isSequence(value) ? UNDECIDED : value;
}

/** `readNames(input, [name])` without the loop: the one-field path, the commonest leaf. */
export function readName(input: unknown, name: string): unknown {
  if (typeof input !== 'object' || input === null) return undefined;
  if (Array.isArray(input)) return UNDECIDED;
  if (!Object.hasOwn(input, name) || isFunctionValue(input)) return undefined;
  const value = (input as Record<string, unknown>)[name];
  // host functions are not data: invisible to expressions
  if (typeof value === 'function') return undefined;
  return Array.isArray(value) && isSequence(value) ? UNDECIDED : value;
}

/** A predicate decided on one item: true keeps it, false or undefined drops it. */
export type Decider = (item: unknown) => boolean | undefined | Undecided;

export type Literal = string | number | boolean | null;

function literalOf(node: Node): { value: Literal } | undefined {
  if (!unadorned(node)) return undefined;
  if (node.type === 'string' || node.type === 'number' || node.type === 'value')
    return { value: node.value as Literal };
  return undefined;
}

const MIRRORED: Readonly<Record<string, string>> = {
  '=': '=',
  '!=': '!=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};

/**
 * A predicate as data, judged by one function: `and`/`or` junctions over `path op literal`
 * comparisons. (Closures per comparison were tried: V8 shares their call feedback across all
 * instances, so every call between them was a megamorphic call.) One class, so one shape.
 */
export class Test {
  constructor(
    readonly junction: 'and' | 'or' | undefined,
    readonly lhs: Test | undefined,
    readonly rhs: Test | undefined,
    /** The field of a one-name path, else undefined and `names` holds the path. */
    readonly name: string | undefined,
    readonly names: readonly string[],
    readonly op: string,
    readonly literal: Literal,
  ) {}
}

export function testOf(node: Node): Test | undefined {
  if (node.type !== 'binary' || !unadorned(node)) return undefined;
  const op = node.value as string;
  if (op === 'and' || op === 'or') {
    const lhs = testOf(node.lhs as Node);
    const rhs = lhs && testOf(node.rhs as Node);
    if (!lhs || !rhs) return undefined;
    return new Test(op, lhs, rhs, undefined, [], op, null);
  }
  if (!Object.hasOwn(MIRRORED, op)) return undefined;
  let names = plainNamePath(node.lhs as Node);
  let literal = literalOf(node.rhs as Node);
  let operator = op;
  if (!names || !literal) {
    names = plainNamePath(node.rhs as Node);
    literal = literalOf(node.lhs as Node);
    operator = MIRRORED[op] as string;
  }
  if (!names || !literal) return undefined;
  const value = literal.value;
  // orderings against anything but a number or string are errors the general path raises
  if (
    operator !== '=' &&
    operator !== '!=' &&
    typeof value !== 'number' &&
    typeof value !== 'string'
  )
    return undefined;
  const name = names.length === 1 ? names[0] : undefined;
  return new Test(undefined, undefined, undefined, name, names, operator, value);
}

/**
 * A decider for `path op literal` (either way round) and `and`/`or` of deciders, or undefined
 * when the predicate has another shape.
 */
export function compileDecider(node: Node): Decider | undefined {
  const test = testOf(node);
  return test === undefined ? undefined : (item) => judge(test, item);
}

function judge(test: Test, item: unknown): boolean | undefined | Undecided {
  const junction = test.junction;
  if (junction !== undefined) {
    const left = judge(test.lhs as Test, item);
    if (left === UNDECIDED) return UNDECIDED;
    if (junction === 'and' ? left !== true : left === true) return junction === 'or';
    const right = judge(test.rhs as Test, item);
    return right === UNDECIDED ? UNDECIDED : right === true;
  }
  const name = test.name;
  const value = name === undefined ? readNames(item, test.names) : readField(item, name);
  if (value === UNDECIDED) return UNDECIDED;
  const verdict = compare(value, test.op, test.literal);
  // a function value has no fields, so it is never kept: the brand check (which costs as
  // much as the read) is needed only for a keep; readNames made it already
  return verdict === true && name !== undefined && isFunctionValue(item) ? undefined : verdict;
}

export function compare(
  value: unknown,
  op: string,
  literal: Literal,
): boolean | undefined | Undecided {
  // `=` with a scalar literal is deep equality with a scalar: identity, whatever the value
  if (op === '=') return value === literal;
  if (op === '!=') return value !== undefined && value !== literal;
  if (value === undefined) return undefined;
  if (typeof value !== typeof literal) return UNDECIDED;
  const a = value as number;
  const b = literal as number;
  return order(op, a, b);
}

/** `readName` without the function-value check (the caller makes it when it matters). */
function readField(input: unknown, name: string): unknown {
  if (typeof input !== 'object' || input === null) return undefined;
  if (Array.isArray(input)) return UNDECIDED;
  if (!Object.hasOwn(input, name)) return undefined;
  const value = (input as Record<string, unknown>)[name];
  // host functions are not data: invisible to expressions
  if (typeof value === 'function') return undefined;
  return Array.isArray(value) && isSequence(value) ? UNDECIDED : value;
}
