// Shortcuts for the per-record hot path: field paths over plain objects (`a.b.c`) and filter
// predicates made of such paths compared with literals (`[status = "paid" and amount > 100]`).
// Each shortcut either gives exactly the general evaluation's result or answers UNDECIDED (an
// array on the way, a value whose comparison could be an error), and the caller then runs
// the general evaluation. They allocate nothing and call no closures per step.
import { isFunctionValue } from '../contract.js';
import type { Node } from '../syntax/ast.js';
import { isSequence } from './sequence.js';

/** Marks that a shortcut could not decide and the general evaluation must run. */
export const UNDECIDED = Symbol('undecided');
export type Undecided = typeof UNDECIDED;

/** The node carries nothing that changes how its value is produced (predicates, grouping, …). */
function unadorned(node: Node): boolean {
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

/** A predicate decided on one item: true keeps it, false or undefined drops it. */
export type Decider = (item: unknown) => boolean | undefined | Undecided;

type Literal = string | number | boolean | null;

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
 * A decider for `path op literal` (either way round) and `and`/`or` of deciders, or undefined
 * when the predicate has another shape.
 */
export function compileDecider(node: Node): Decider | undefined {
  if (node.type !== 'binary' || !unadorned(node)) return undefined;
  const op = node.value as string;
  if (op === 'and' || op === 'or') {
    const lhs = compileDecider(node.lhs as Node);
    const rhs = lhs && compileDecider(node.rhs as Node);
    if (!lhs || !rhs) return undefined;
    return op === 'and' ? both(lhs, rhs) : either(lhs, rhs);
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
  return comparison(names, operator, literal.value);
}

function both(lhs: Decider, rhs: Decider): Decider {
  return (item) => {
    const left = lhs(item);
    if (left === UNDECIDED) return UNDECIDED;
    if (left !== true) return false;
    const right = rhs(item);
    return right === UNDECIDED ? UNDECIDED : right === true;
  };
}

function either(lhs: Decider, rhs: Decider): Decider {
  return (item) => {
    const left = lhs(item);
    if (left === UNDECIDED) return UNDECIDED;
    if (left === true) return true;
    const right = rhs(item);
    return right === UNDECIDED ? UNDECIDED : right === true;
  };
}

function comparison(names: readonly string[], op: string, literal: Literal): Decider | undefined {
  const single = names.length === 1 ? (names[0] as string) : undefined;
  // the one-field case inlined: the usual `[status = "paid"]`
  const read =
    single === undefined
      ? (item: unknown) => readNames(item, names)
      : (item: unknown): unknown => {
          if (typeof item !== 'object' || item === null || Array.isArray(item))
            return readNames(item, names);
          if (!Object.hasOwn(item, single) || isFunctionValue(item)) return undefined;
          const value = (item as Record<string, unknown>)[single];
          if (typeof value === 'function') return undefined;
          return Array.isArray(value) && isSequence(value) ? UNDECIDED : value;
        };
  switch (op) {
    // `=` with a scalar literal is deep equality with a scalar: identity, whatever the value
    case '=':
      return (item) => {
        const value = read(item);
        return value === UNDECIDED ? UNDECIDED : value === literal;
      };
    case '!=':
      return (item) => {
        const value = read(item);
        if (value === UNDECIDED) return UNDECIDED;
        return value !== undefined && value !== literal;
      };
    default:
      return ordering(read, op, literal);
  }
}

/** `<`, `<=`, `>`, `>=` against a number or string; other types are errors the general path raises. */
function ordering(
  read: (item: unknown) => unknown,
  op: string,
  literal: Literal,
): Decider | undefined {
  if (typeof literal !== 'number' && typeof literal !== 'string') return undefined;
  const type = typeof literal;
  const decide = (value: unknown): boolean | undefined | Undecided => {
    if (value === undefined) return undefined;
    if (typeof value !== type) return UNDECIDED;
    const a = value as number;
    const b = literal as number;
    switch (op) {
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      default:
        return a >= b;
    }
  };
  return (item) => {
    const value = read(item);
    return value === UNDECIDED ? UNDECIDED : decide(value);
  };
}
