// Runs a field plan over a collection column by column: filters become selections (the
// indexes of the items they keep), folds run over selections. Working a column at a time keeps
// the interpretation out of the per-item loop: each loop does one thing to many items (judging
// the read values item by item took ~100 ns an item for the bench's four folds; these loops
// take a few ns an item per step).
//
// Every step gives exactly the general evaluation's answer or reports that it cannot
// (UNDECIDED / false): a field holding an array or a host function, an ordering of
// mismatched types, arithmetic on a non-number, a value a fold would not take as is.
import type { Accumulator } from './aggregates.js';
import type { SlotTest, Term } from './field-plan.js';
import { UNDECIDED, type Undecided } from './shortcuts.js';
import { order } from './values.js';

/** Items of the collection, by index: all of them, or those a filter kept, in order. */
export class Selection {
  constructor(
    /** Undefined: every item (0 .. count-1). */
    readonly indexes: Int32Array | undefined,
    readonly count: number,
    /** The selection this one was filtered from (its items are a subset of the parent's). */
    readonly parent: Selection | undefined,
    readonly id: number,
  ) {}
}

export class ColumnScan {
  readonly all: Selection;
  private readonly memo = new Map<string, Selection>();
  private selections = 1;

  /** `columns[k][i]`: field k of item i (field-reader.ts filled them). */
  constructor(
    count: number,
    private readonly columns: readonly unknown[][],
  ) {
    this.all = new Selection(undefined, count, undefined, 0);
  }

  /** The items of `selection` that `test` keeps (shared between folds that use the same test). */
  select(test: SlotTest, selection: Selection): Selection | Undecided {
    const key = `${selection.id} ${test.key}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const result = this.judge(test, selection);
    if (result !== UNDECIDED) this.memo.set(key, result);
    return result;
  }

  private judge(test: SlotTest, selection: Selection): Selection | Undecided {
    const junction = test.junction;
    if (junction === 'and') {
      const left = this.select(test.lhs as SlotTest, selection);
      return left === UNDECIDED ? UNDECIDED : this.select(test.rhs as SlotTest, left);
    }
    if (junction === 'or') {
      // the right side is judged only where the left did not keep the item, as `or` does
      const left = this.select(test.lhs as SlotTest, selection);
      if (left === UNDECIDED) return UNDECIDED;
      const rest = this.without(selection, left);
      const right = this.select(test.rhs as SlotTest, rest);
      return right === UNDECIDED ? UNDECIDED : this.union(selection, left, right);
    }
    const column = this.columns[test.slot] as unknown[];
    const kept = new Int32Array(selection.count);
    const indexes = selection.indexes;
    const literal = test.literal;
    const op = test.op;
    let count = 0;
    // one loop per kind of comparison, so none decides the kind per item
    if (op === '=') {
      // `=` with a scalar literal is deep equality with a scalar: identity, whatever the value
      for (let n = 0; n < selection.count; n++) {
        const i = indexes === undefined ? n : (indexes[n] as number);
        if (column[i] === literal) kept[count++] = i;
      }
    } else if (op === '!=') {
      for (let n = 0; n < selection.count; n++) {
        const i = indexes === undefined ? n : (indexes[n] as number);
        const value = column[i];
        if (value !== undefined && value !== literal) kept[count++] = i;
      }
    } else {
      const type = typeof literal;
      for (let n = 0; n < selection.count; n++) {
        const i = indexes === undefined ? n : (indexes[n] as number);
        const value = column[i];
        if (value === undefined) continue;
        // an ordering of mismatched types is an error the general path raises
        if (typeof value !== type) return UNDECIDED;
        if (order(op, value as number, literal as number)) kept[count++] = i;
      }
    }
    return this.selection(kept, count, selection);
  }

  private selection(indexes: Int32Array, count: number, parent: Selection): Selection {
    return new Selection(indexes, count, parent, this.selections++);
  }

  /** The items of `selection` not in `part` (a subset of it, both in order). */
  private without(selection: Selection, part: Selection): Selection {
    const rest = new Int32Array(selection.count - part.count);
    const skip = part.indexes as Int32Array;
    let count = 0;
    let p = 0;
    for (let n = 0; n < selection.count; n++) {
      const i = selection.indexes === undefined ? n : (selection.indexes[n] as number);
      if (p < part.count && skip[p] === i) p++;
      else rest[count++] = i;
    }
    return this.selection(rest, count, selection);
  }

  /** `a` ∪ `b`, two disjoint subsets of `parent`, in order. */
  private union(parent: Selection, a: Selection, b: Selection): Selection {
    const both = new Int32Array(a.count + b.count);
    const x = a.indexes as Int32Array;
    const y = b.indexes as Int32Array;
    let i = 0;
    let j = 0;
    let count = 0;
    while (i < a.count || j < b.count) {
      if (j >= b.count || (i < a.count && (x[i] as number) < (y[j] as number)))
        both[count++] = x[i++] as number;
      else both[count++] = y[j++] as number;
    }
    return this.selection(both, count, parent);
  }

  /** Folds `term` (undefined: the items themselves, counted) over `selection`. */
  fold(term: Term | undefined, selection: Selection, accumulator: Accumulator): boolean {
    if (term === undefined) {
      accumulator.count += selection.count;
      return true;
    }
    const column = this.evaluate(term, selection);
    return column !== UNDECIDED && foldColumn(column, selection, accumulator);
  }

  /**
   * The values of `term` for the items of `selection`, by item index (a number literal is
   * spread over them); UNDECIDED where the general arithmetic raises an error (an operand
   * that is not a finite number), which the general evaluation then raises.
   */
  private evaluate(term: Term, selection: Selection): unknown[] | Undecided {
    if (term.slot >= 0) return this.columns[term.slot] as unknown[];
    const op = term.op;
    if (op === undefined) return new Array<unknown>(this.all.count).fill(term.literal);
    const lhs = this.evaluate(term.lhs as Term, selection);
    const rhs = lhs === UNDECIDED ? lhs : this.evaluate(term.rhs as Term, selection);
    if (lhs === UNDECIDED || rhs === UNDECIDED) return UNDECIDED;
    const result = new Array<unknown>(this.all.count);
    const indexes = selection.indexes;
    for (let n = 0; n < selection.count; n++) {
      const i = indexes === undefined ? n : (indexes[n] as number);
      const l = lhs[i];
      const r = rhs[i];
      if (l !== undefined && (typeof l !== 'number' || !Number.isFinite(l))) return UNDECIDED;
      if (r !== undefined && (typeof r !== 'number' || !Number.isFinite(r))) return UNDECIDED;
      if (l !== undefined && r !== undefined) result[i] = arithmetic(op, l, r);
    }
    return result;
  }
}

function arithmetic(op: string, l: number, r: number): number {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    default:
      return l % r;
  }
}

/** `accumulator.add` of each defined value of `column` in `selection`, with the state in locals. */
function foldColumn(column: unknown[], selection: Selection, accumulator: Accumulator): boolean {
  const indexes = selection.indexes;
  let { count, total, max, min } = accumulator;
  for (let n = 0; n < selection.count; n++) {
    const value = column[indexes === undefined ? n : (indexes[n] as number)];
    if (value === undefined) continue;
    if (accumulator.numeric) {
      // NaN, infinities and non-numbers are errors (or special cases) of the general path
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      total += value;
      max = count === 0 ? value : Math.max(max, value);
      min = count === 0 ? value : Math.min(min, value);
    }
    count++;
  }
  accumulator.count = count;
  accumulator.total = total;
  accumulator.max = max;
  accumulator.min = min;
  return true;
}
