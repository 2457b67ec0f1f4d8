// The pieces the one-pass loops (fused-constructor.ts, fused-group.ts) are planned from: fold
// calls `$sum(path)`, a field plan (each constant field name the folds and filters use gets a
// slot, read once per item), filters as data over slots, and the arithmetic of a map step
// `.(quantity * unitPrice)` as data over slots. Everything here is decided at compile time;
// column-scan.ts runs it.
import type { NativeFunction } from '../contract.js';
import { STANDARD_FUNCTIONS } from '../functions/index.js';
import type { Node } from '../syntax/ast.js';
import { bare, FOLDS, type Fold } from './aggregates.js';
import { MAX_PLAN_FIELDS } from './field-reader.js';
import { plainNames, testOf, unadorned, type Literal, type Test } from './shortcuts.js';

/** `$count(path)` and kin: the callee is looked up at run time (it must be the library's). */
export interface FoldCall {
  readonly name: string;
  readonly library: NativeFunction;
  readonly fold: Fold;
  readonly path: Node;
}

export function foldCall(node: Node): FoldCall | undefined {
  if (node.type !== 'function' || !bare(node) || node.stages) return undefined;
  const procedure = node.procedure as Node;
  const args = node.arguments ?? [];
  if (procedure.type !== 'variable' || !bare(procedure) || procedure.stages) return undefined;
  const name = String(procedure.value);
  const library = STANDARD_FUNCTIONS.get(name);
  if (!FOLDS.has(name) || library === undefined || args.length !== 1) return undefined;
  const path = args[0] as Node;
  if (path.type !== 'path' || !bare(path) || path.stages) return undefined;
  return { name, library, fold: name as Fold, path };
}

/** The field names a loop reads from each item, one slot each. */
export class FieldPlan {
  readonly names: string[] = [];

  /** The slot of `name` (added if new); -1 when the plan is full. */
  slot(name: string): number {
    const existing = this.names.indexOf(name);
    if (existing >= 0) return existing;
    if (this.names.length >= MAX_PLAN_FIELDS) return -1;
    this.names.push(name);
    return this.names.length - 1;
  }
}

/** A filter comparison over slots: `Test` (shortcuts.ts) with its field replaced by a slot. */
export class SlotTest {
  /** Identifies the test's meaning, for sharing its result between folds. */
  readonly key: string;
  constructor(
    readonly junction: 'and' | 'or' | undefined,
    readonly lhs: SlotTest | undefined,
    readonly rhs: SlotTest | undefined,
    readonly slot: number,
    readonly op: string,
    readonly literal: Literal,
  ) {
    this.key =
      junction === undefined
        ? JSON.stringify([slot, op, literal])
        : `(${(lhs as SlotTest).key} ${junction} ${(rhs as SlotTest).key})`;
  }
}

function slotTestOf(test: Test, plan: FieldPlan): SlotTest | undefined {
  if (test.junction !== undefined) {
    const lhs = slotTestOf(test.lhs as Test, plan);
    const rhs = lhs && slotTestOf(test.rhs as Test, plan);
    return rhs && new SlotTest(test.junction, lhs, rhs, -1, test.op, null);
  }
  if (test.name === undefined) return undefined; // a longer path: not a field of the item
  const slot = plan.slot(test.name);
  if (slot < 0) return undefined;
  const literal = typeof test.literal === 'string' ? internalized(test.literal) : test.literal;
  return new SlotTest(undefined, undefined, undefined, slot, test.op, literal);
}

/**
 * The same text as V8's one shared copy (what property keys and literals in code are): data
 * strings that are equal to it are then usually the same object, and `===` is one pointer
 * comparison instead of comparing characters. (The parser's literals are slices of the source.)
 */
function internalized(text: string): string {
  return Object.keys({ [text]: true })[0] as string;
}

/** The stacked filters of a step (`items[a][b]`) as slot tests, or undefined. */
export function filtersOf(step: Node, plan: FieldPlan): SlotTest[] | undefined {
  const tests: SlotTest[] = [];
  for (const stage of step.stages ?? []) {
    if (stage.type !== 'filter') return undefined;
    const test = testOf(stage.expr as Node);
    const slotTest = test && slotTestOf(test, plan);
    if (slotTest === undefined) return undefined;
    tests.push(slotTest);
  }
  return tests;
}

/** A map step over the item's fields: a field, a number, or arithmetic of those. */
export class Term {
  constructor(
    /** The field's slot, or -1. */
    readonly slot: number,
    /** A number literal (when `op` and `slot` are unset). */
    readonly literal: number,
    readonly op: string | undefined,
    readonly lhs: Term | undefined,
    readonly rhs: Term | undefined,
  ) {}
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);

/** The term of an expression, or undefined when it is anything else. */
export function termOf(node: Node, plan: FieldPlan): Term | undefined {
  if (!unadorned(node)) return undefined;
  if (node.type === 'number')
    return new Term(-1, node.value as number, undefined, undefined, undefined);
  if (node.type === 'name') {
    const slot = plan.slot(String(node.value));
    return slot < 0 ? undefined : new Term(slot, 0, undefined, undefined, undefined);
  }
  if (node.type === 'path' && node.keepSingletonArray !== true) {
    const names = plainNames(node.steps ?? []);
    if (names?.length !== 1) return undefined;
    const slot = plan.slot(names[0] as string);
    return slot < 0 ? undefined : new Term(slot, 0, undefined, undefined, undefined);
  }
  if (node.type === 'block' && node.expressions?.length === 1)
    return termOf(node.expressions[0] as Node, plan);
  if (node.type === 'binary' && ARITHMETIC.has(node.value as string)) {
    const lhs = termOf(node.lhs as Node, plan);
    const rhs = lhs && termOf(node.rhs as Node, plan);
    return rhs && new Term(-1, 0, node.value as string, lhs, rhs);
  }
  return undefined;
}
