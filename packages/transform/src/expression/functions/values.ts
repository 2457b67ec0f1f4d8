// Value helpers shared by the function families: JSONata's type symbols, effective boolean
// value, deep equality and own-property access. Everything here reads user data through own
// properties only, so no key ('constructor', '__proto__', …) can reach a prototype.

import { ExpressionError, isFunctionValue, type CallContext } from '../contract.js';

export type PlainObject = Record<string, unknown>;

/** Throws the reference's error for `code` with a one-line message. */
export function fail(
  code: string,
  message: string,
  details: { value?: unknown; index?: number; token?: string } = {},
): never {
  throw new ExpressionError(code, message, details);
}

/** Any callable JSONata value (lambdas, natives, partial applications, host callbacks). */
export function isCallable(value: unknown): boolean {
  return typeof value === 'function' || isFunctionValue(value);
}

/** A JSON object (not null, not an array, not a function value). */
export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isCallable(value);
}

/** An object with no prototype: the only kind of object the library builds for user keys. */
export function createRecord(): PlainObject {
  return Object.create(null) as PlainObject;
}

/** The object's own enumerable keys; nothing for non-objects and function values. */
export function ownKeys(value: unknown): string[] {
  return typeof value === 'object' && value !== null && !isCallable(value)
    ? Object.keys(value)
    : [];
}

/** `object[key]` only when `key` is the object's own property. */
export function ownValue(object: unknown, key: string): unknown {
  if (typeof object !== 'object' || object === null || !Object.hasOwn(object, key)) {
    return undefined;
  }
  return (object as PlainObject)[key];
}

/** The one-letter type symbol of the signature language (`m` is missing/undefined). */
export function typeSymbol(value: unknown): string {
  if (isCallable(value)) return 'f';
  switch (typeof value) {
    case 'string':
      return 's';
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    case 'object':
      if (value === null) return 'l';
      return Array.isArray(value) ? 'a' : 'o';
    default:
      return 'm';
  }
}

/** True for a number that is not NaN; an infinite number is an error (D1001) as in the reference. */
export function isNumeric(value: unknown): value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) return false;
  if (!Number.isFinite(value)) fail('D1001', `Number out of range: ${value}`, { value });
  return true;
}

/** JSONata's effective boolean value (`$boolean`). */
export function toBoolean(value: unknown): boolean {
  if (Array.isArray(value)) {
    if (value.length === 1) return toBoolean(value[0]);
    return value.some((item) => toBoolean(item));
  }
  if (typeof value === 'string') return value.length > 0;
  if (isNumeric(value)) return value !== 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return value === true;
}

/** Structural equality of JSON values (arrays in order, object keys in any order). */
export function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) {
    return false;
  }
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => deepEqual(item, right[index]));
  }
  const leftKeys = Object.keys(left).sort();
  const rightKeys = Object.keys(right).sort();
  if (leftKeys.length !== rightKeys.length) return false;
  return leftKeys.every(
    (key, index) =>
      key === rightKeys[index] &&
      deepEqual((left as PlainObject)[key], (right as PlainObject)[key]),
  );
}

/**
 * The arguments a higher-order function passes to its callback: the value always, the
 * position and the whole collection only when the callback declares parameters for them.
 */
export function callbackArguments(
  context: CallContext,
  callback: unknown,
  value: unknown,
  position: unknown,
  whole: unknown,
): unknown[] {
  const arity = context.arity(callback);
  const args = [value];
  if (arity >= 2) args.push(position);
  if (arity >= 3) args.push(whole);
  return args;
}

/** Splits a string into code points (so surrogate pairs count as one character). */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** True when UTF-16 units and code points coincide, so plain string indexing is exact. */
export function isSimpleText(text: string): boolean {
  return !SURROGATE.test(text);
}

/** A short, safe rendering of a value for an error message (never more than 40 characters). */
export function quote(value: unknown): string {
  let text: string;
  try {
    text =
      typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = typeof value;
  }
  return text.length > 40 ? `${text.substring(0, 37)}...` : text;
}

/**
 * A bounded cache for analysed pictures: expressions reuse a handful of picture strings, so
 * analysing each once matters on the per-record path; the bound keeps hostile input harmless.
 */
export function boundedCache<V>(limit: number, compute: (key: string) => V): (key: string) => V {
  const entries = new Map<string, V>();
  return (key) => {
    let value = entries.get(key);
    if (value === undefined) {
      value = compute(key);
      if (entries.size >= limit) entries.clear();
      entries.set(key, value);
    }
    return value;
  };
}
