// Value semantics shared by the operators: truthiness, string conversion for `&`, deep
// equality, sequence append, and property lookup (own properties only — never the prototype).
import { isFunctionValue } from '../contract.js';
import { expressionError } from '../messages.js';
import { createSequence, isSequence, sequenceOf } from './sequence.js';

/** True for a number that is not NaN; an infinite number is an error (D1001), as in the reference. */
export function isNumeric(value: unknown): value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) return false;
  if (!Number.isFinite(value)) throw expressionError('D1001', { value });
  return true;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !isFunctionValue(value)
  );
}

/** The effective boolean value (undefined stays undefined). */
export function toBoolean(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 1) return toBoolean(value[0]);
    return value.length > 1 && value.some((item) => toBoolean(item));
  }
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return isNumeric(value) && value !== 0;
  if (typeof value === 'boolean') return value;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return false;
}

/** `$string()` semantics: JSON with 15 significant digits, functions as "". */
export function stringify(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (isFunctionValue(value)) return '';
  if (typeof value === 'number' && !Number.isFinite(value))
    throw expressionError('D3001', { value });
  const subject =
    Array.isArray(value) && isSequence(value) && value.outerWrapper ? value[0] : value;
  return JSON.stringify(subject, (_key, item: unknown) => {
    if (typeof item === 'number' && isNumeric(item) && !Number.isInteger(item)) {
      return Number(item.toPrecision(15));
    }
    return item !== null && typeof item === 'object' && isFunctionValue(item) ? '' : item;
  });
}

export function deepEqual(lhs: unknown, rhs: unknown): boolean {
  if (lhs === rhs) return true;
  if (typeof lhs !== 'object' || typeof rhs !== 'object' || lhs === null || rhs === null)
    return false;
  if (Array.isArray(lhs) || Array.isArray(rhs)) {
    if (!Array.isArray(lhs) || !Array.isArray(rhs) || lhs.length !== rhs.length) return false;
    for (let i = 0; i < lhs.length; i++) if (!deepEqual(lhs[i], rhs[i])) return false;
    return true;
  }
  const lkeys = Object.keys(lhs).sort();
  const rkeys = Object.keys(rhs).sort();
  if (lkeys.length !== rkeys.length) return false;
  for (let i = 0; i < lkeys.length; i++) if (lkeys[i] !== rkeys[i]) return false;
  const l = lhs as Record<string, unknown>;
  const r = rhs as Record<string, unknown>;
  for (const key of lkeys) if (!deepEqual(l[key], r[key])) return false;
  return true;
}

/** `$append` semantics: the result is a new array; undefined on either side is ignored. */
export function append(first: unknown, second: unknown): unknown {
  if (first === undefined) return second;
  if (second === undefined) return first;
  const left = Array.isArray(first) ? first : sequenceOf(first);
  const right = Array.isArray(second) ? second : [second];
  return left.concat(right);
}

/**
 * The value of `key` in `input`: own properties only, so `constructor`, `__proto__` and
 * `prototype` are ordinary missing keys. Mapped over arrays, flattening one level.
 */
export function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = createSequence<unknown>();
    for (let i = 0; i < input.length; i++) {
      const value = lookup(input[i], key);
      if (value === undefined) continue;
      if (Array.isArray(value)) for (let j = 0; j < value.length; j++) result.push(value[j]);
      else result.push(value);
    }
    return result;
  }
  if (
    typeof input === 'object' &&
    input !== null &&
    !isFunctionValue(input) &&
    Object.hasOwn(input, key)
  ) {
    const value = (input as Record<string, unknown>)[key];
    // host functions are not data: invisible to expressions
    return typeof value === 'function' ? undefined : value;
  }
  return undefined;
}

/** Own enumerable keys of a data object (never of a function value). */
export function keysOf(value: object): string[] {
  return isFunctionValue(value) ? [] : Object.keys(value);
}

/**
 * `<`, `<=`, `>` or `>=` (any other op) of two numbers or two strings, already checked to be of
 * one type: shared by the general operator and the filter shortcuts so they cannot disagree.
 */
export function order(op: string, a: number | string, b: number | string): boolean {
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
}
