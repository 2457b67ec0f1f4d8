// Array functions: $append, $reverse, $shuffle, $sort, $distinct, $zip.

import { createSequence, isSequence, type CallContext, type NativeFunction } from '../contract.js';
import { define } from './define.js';
import { deepEqual, fail, isCallable, isNumeric } from './values.js';

/** `$append`: concatenates two values, each treated as an array; undefined is ignored. */
export function append(first: unknown, second: unknown, context: CallContext): unknown {
  if (first === undefined) return second;
  if (second === undefined) return first;
  const left = Array.isArray(first) ? first : [first];
  const right = Array.isArray(second) ? second : [second];
  context.charge(left.length + right.length);
  return [...left, ...right];
}

/**
 * A stable merge sort. `swap(a, b)` says that `b` must come before `a`; the reference's
 * comparator has exactly this meaning (true means "a sorts after b").
 */
export function mergeSort<T>(items: readonly T[], swap: (a: T, b: T) => boolean): T[] {
  if (items.length <= 1) return [...items];
  const middle = Math.floor(items.length / 2);
  const left = mergeSort(items.slice(0, middle), swap);
  const right = mergeSort(items.slice(middle), swap);
  const merged: T[] = [];
  let l = 0;
  let r = 0;
  while (l < left.length && r < right.length) {
    if (swap(left[l] as T, right[r] as T)) merged.push(right[r++] as T);
    else merged.push(left[l++] as T);
  }
  while (l < left.length) merged.push(left[l++] as T);
  while (r < right.length) merged.push(right[r++] as T);
  return merged;
}

function sort(items: unknown[], comparator: unknown, context: CallContext): unknown[] {
  if (items.length <= 1) return items;
  context.charge(items.length);
  if (comparator === undefined) {
    const allNumbers = items.every((item: unknown): boolean => isNumeric(item));
    const allStrings = items.every((item: unknown): boolean => typeof item === 'string');
    if (!allNumbers && !allStrings) {
      fail(
        'D3070',
        'The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function',
        { index: 1 },
      );
    }
    return mergeSort(items, (a, b) => (a as number | string) > (b as number | string));
  }
  // The reference tests the comparator's result for JavaScript truthiness.
  return mergeSort(items, (a, b) => Boolean(context.apply(comparator, [a, b])));
}

function shuffle(items: unknown[]): unknown[] {
  if (items.length <= 1) return items;
  // Fisher-Yates, "inside-out" variant, as in the reference.
  const result = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) {
    const j = Math.floor(Math.random() * (i + 1));
    if (i !== j) result[i] = result[j];
    result[j] = items[i];
  }
  return result;
}

/**
 * A text that is equal for deep-equal JSON values (object keys sorted), or undefined when the
 * value holds something that is not JSON (a function, undefined) and must be compared by hand.
 */
function canonicalKey(value: unknown): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean')
    return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'object' || isCallable(value)) return undefined;
  const parts: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      const key = canonicalKey(item);
      if (key === undefined) return undefined;
      parts.push(key);
    }
    return `[${parts.join(',')}]`;
  }
  for (const name of Object.keys(value).sort()) {
    const key = canonicalKey((value as Record<string, unknown>)[name]);
    if (key === undefined) return undefined;
    parts.push(`${JSON.stringify(name)}:${key}`);
  }
  return `{${parts.join(',')}}`;
}

function distinct(value: unknown, context: CallContext): unknown {
  if (!Array.isArray(value) || value.length <= 1) return value;
  context.charge(value.length);
  const result: unknown[] = isSequence(value) ? createSequence() : [];
  // Values are compared through a canonical key in a set (linear time); only values that are
  // not plain JSON fall back to pairwise deep equality.
  const seenKeys = new Set<string>();
  const seenOthers: unknown[] = [];
  for (const item of value) {
    const key = canonicalKey(item);
    if (key !== undefined) {
      if (seenKeys.has(key)) continue;
      seenKeys.add(key);
    } else {
      if (seenOthers.some((seen) => (context.charge(), deepEqual(seen, item)))) continue;
      seenOthers.push(item);
    }
    result.push(item);
  }
  return result;
}

function zip(arrays: unknown[], context: CallContext): unknown[][] {
  const length = Math.min(...arrays.map((array) => (Array.isArray(array) ? array.length : 0)));
  const result: unknown[][] = [];
  for (let i = 0; i < length; i++) {
    result.push(arrays.map((array) => (array as unknown[])[i]));
  }
  context.charge(result.length * arrays.length);
  return result;
}

export const ARRAY_FUNCTIONS: readonly NativeFunction[] = [
  define('append', '<xx:a>', ([first, second], context) => append(first, second, context)),
  define('reverse', '<a:a>', ([items], context) => {
    if (items === undefined) return undefined;
    const list = items as unknown[];
    if (list.length <= 1) return list;
    context.charge(list.length);
    return [...list].reverse();
  }),
  define('shuffle', '<a:a>', ([items]) =>
    items === undefined ? undefined : shuffle(items as unknown[]),
  ),
  define('sort', '<af?:a>', ([items, comparator], context) =>
    items === undefined ? undefined : sort(items as unknown[], comparator, context),
  ),
  define('distinct', '<x:x>', ([value], context) => distinct(value, context)),
  define('zip', '<a+>', (arrays, context) => zip(arrays, context)),
];
