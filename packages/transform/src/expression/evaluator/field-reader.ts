// Reading the fields of a collection's items into columns, for the one-pass loops
// (fused-constructor.ts, fused-group.ts). A generic `item[name]` site sees every name of every
// expression, so V8 serves it from its megamorphic cache, and each read also needs an
// own-property check: ~20 ns a field. Here each slot of a plan is read at a site of its own,
// which sees one name, so V8 makes it a direct field load. Measured on the bench data, 6
// fields of 10,000 items: 128 ns an item the generic way, 15 ns with a site per slot. The
// fields of an item are read together, in one pass (a pass per field was slower: each pass
// brings every item back into the cache).
//
// Own-property semantics without a per-read check: an item is read only when its prototype is
// Object.prototype or null and it is not a function value, and a plan is used only while none
// of its names is found on Object.prototype (`readableNames`, checked on every run). Then
// `item[name]` is the own value or undefined, exactly what an own-property read gives.
import type { EvaluationState } from './environment.js';

const OBJECT_PROTOTYPE = Object.prototype;
/** The contract's brand of function values (a registered symbol, so the same one). */
const FUNCTION_VALUE = Symbol.for('weft.transform.function-value');

/** The most fields one plan reads (a site each per reader). */
export const MAX_PLAN_FIELDS = 8;

/**
 * Reads field `names[k]` of `items[i]` into `columns[k][i]`, charging a step per item; false
 * (the caller steps aside to the general evaluation) when an item is not a plain data object,
 * or a value is an array (the general path flattens those) or a host function (invisible to
 * expressions).
 */
export type RowReader = (
  items: readonly unknown[],
  names: readonly string[],
  columns: readonly unknown[][],
  state: EvaluationState,
) => boolean;

/** Stores a field's value; false for the values the fused loops leave to the general path. */
function put(column: unknown[] | undefined, i: number, value: unknown): boolean {
  if (typeof value === 'function' || Array.isArray(value)) return false;
  (column as unknown[])[i] = value;
  return true;
}

// Feedback is shared by every closure of one function literal, so the only way to give plans
// sites of their own is separate literals: four identical readers, handed to plans in turn. A
// process with more hot plans shares readers between them, whose sites then go polymorphic or
// megamorphic: still correct, about as fast as the generic read. The checks are written out in
// each reader (not called) so that the brand check has a site per reader too.
const rowsA: RowReader = (items, names, columns, state) => {
  const n = names.length;
  const [k0, k1, k2, k3, k4, k5, k6, k7] = names as string[];
  const [c0, c1, c2, c3, c4, c5, c6, c7] = columns;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    state.tick();
    if (typeof item !== 'object' || item === null || FUNCTION_VALUE in item) return false;
    const prototype = Object.getPrototypeOf(item) as unknown;
    if ((prototype !== OBJECT_PROTOTYPE && prototype !== null) || Array.isArray(item)) return false;
    const o = item as Record<string, unknown>;
    if (!put(c0, i, o[k0 as string])) return false;
    if (n > 1 && !put(c1, i, o[k1 as string])) return false;
    if (n > 2 && !put(c2, i, o[k2 as string])) return false;
    if (n > 3 && !put(c3, i, o[k3 as string])) return false;
    if (n > 4 && !put(c4, i, o[k4 as string])) return false;
    if (n > 5 && !put(c5, i, o[k5 as string])) return false;
    if (n > 6 && !put(c6, i, o[k6 as string])) return false;
    if (n > 7 && !put(c7, i, o[k7 as string])) return false;
  }
  return true;
};

const rowsB: RowReader = (items, names, columns, state) => {
  const n = names.length;
  const [k0, k1, k2, k3, k4, k5, k6, k7] = names as string[];
  const [c0, c1, c2, c3, c4, c5, c6, c7] = columns;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    state.tick();
    if (typeof item !== 'object' || item === null || FUNCTION_VALUE in item) return false;
    const prototype = Object.getPrototypeOf(item) as unknown;
    if ((prototype !== OBJECT_PROTOTYPE && prototype !== null) || Array.isArray(item)) return false;
    const o = item as Record<string, unknown>;
    if (!put(c0, i, o[k0 as string])) return false;
    if (n > 1 && !put(c1, i, o[k1 as string])) return false;
    if (n > 2 && !put(c2, i, o[k2 as string])) return false;
    if (n > 3 && !put(c3, i, o[k3 as string])) return false;
    if (n > 4 && !put(c4, i, o[k4 as string])) return false;
    if (n > 5 && !put(c5, i, o[k5 as string])) return false;
    if (n > 6 && !put(c6, i, o[k6 as string])) return false;
    if (n > 7 && !put(c7, i, o[k7 as string])) return false;
  }
  return true;
};

const rowsC: RowReader = (items, names, columns, state) => {
  const n = names.length;
  const [k0, k1, k2, k3, k4, k5, k6, k7] = names as string[];
  const [c0, c1, c2, c3, c4, c5, c6, c7] = columns;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    state.tick();
    if (typeof item !== 'object' || item === null || FUNCTION_VALUE in item) return false;
    const prototype = Object.getPrototypeOf(item) as unknown;
    if ((prototype !== OBJECT_PROTOTYPE && prototype !== null) || Array.isArray(item)) return false;
    const o = item as Record<string, unknown>;
    if (!put(c0, i, o[k0 as string])) return false;
    if (n > 1 && !put(c1, i, o[k1 as string])) return false;
    if (n > 2 && !put(c2, i, o[k2 as string])) return false;
    if (n > 3 && !put(c3, i, o[k3 as string])) return false;
    if (n > 4 && !put(c4, i, o[k4 as string])) return false;
    if (n > 5 && !put(c5, i, o[k5 as string])) return false;
    if (n > 6 && !put(c6, i, o[k6 as string])) return false;
    if (n > 7 && !put(c7, i, o[k7 as string])) return false;
  }
  return true;
};

const rowsD: RowReader = (items, names, columns, state) => {
  const n = names.length;
  const [k0, k1, k2, k3, k4, k5, k6, k7] = names as string[];
  const [c0, c1, c2, c3, c4, c5, c6, c7] = columns;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    state.tick();
    if (typeof item !== 'object' || item === null || FUNCTION_VALUE in item) return false;
    const prototype = Object.getPrototypeOf(item) as unknown;
    if ((prototype !== OBJECT_PROTOTYPE && prototype !== null) || Array.isArray(item)) return false;
    const o = item as Record<string, unknown>;
    if (!put(c0, i, o[k0 as string])) return false;
    if (n > 1 && !put(c1, i, o[k1 as string])) return false;
    if (n > 2 && !put(c2, i, o[k2 as string])) return false;
    if (n > 3 && !put(c3, i, o[k3 as string])) return false;
    if (n > 4 && !put(c4, i, o[k4 as string])) return false;
    if (n > 5 && !put(c5, i, o[k5 as string])) return false;
    if (n > 6 && !put(c6, i, o[k6 as string])) return false;
    if (n > 7 && !put(c7, i, o[k7 as string])) return false;
  }
  return true;
};

const READERS: readonly RowReader[] = [rowsA, rowsB, rowsC, rowsD];
let plans = 0;

/** The reader of a new plan (compile time): the four take turns. */
export function assignReader(): RowReader {
  return READERS[plans++ % READERS.length] as RowReader;
}

/**
 * True while a plain read of each name can only find an own property: none is on
 * Object.prototype (`constructor`, `toString`, … or a name someone added there).
 */
export function readableNames(names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) if ((names[i] as string) in OBJECT_PROTOTYPE) return false;
  return true;
}

/** Fresh columns for `length` items (reusing them between evaluations measured no faster). */
export function newColumns(width: number, length: number): unknown[][] {
  const columns: unknown[][] = [];
  for (let k = 0; k < width; k++) columns.push(new Array<unknown>(length));
  return columns;
}
