// Object functions: $keys, $lookup, $spread, $merge, $each, $sift, $clone, $type, $error,
// $assert. Every object built here has a null prototype, and every read is an own-property
// read, so `$lookup({}, 'constructor')` is undefined and no key reaches Object.prototype.

import { createSequence, type CallContext, type NativeFunction } from '../contract.js';
import { append } from './arrays.js';
import { define } from './define.js';
import { stringify } from './strings.js';
import {
  callbackArguments,
  createRecord,
  fail,
  isCallable,
  isNumeric,
  ownKeys,
  ownValue,
  toBoolean,
  type PlainObject,
} from './values.js';

function keys(value: unknown): string[] {
  const result = createSequence<string>();
  if (Array.isArray(value)) {
    // Collected in an object, as the reference does, so that key order follows its rules.
    const seen = createRecord();
    for (const item of value) {
      for (const key of keys(item)) seen[key] = true;
    }
    result.push(...Object.keys(seen));
  } else {
    result.push(...ownKeys(value));
  }
  return result;
}

function lookup(value: unknown, key: string): unknown {
  if (Array.isArray(value)) {
    const result = createSequence<unknown>();
    for (const item of value) {
      const found = lookup(item, key);
      if (Array.isArray(found)) result.push(...(found as unknown[]));
      else if (found !== undefined) result.push(found);
    }
    return result;
  }
  return isCallable(value) ? undefined : ownValue(value, key);
}

function spread(value: unknown, context: CallContext): unknown {
  if (Array.isArray(value)) {
    let result: unknown = createSequence();
    for (const item of value) result = append(result, spread(item, context), context);
    return result;
  }
  if (typeof value === 'object' && value !== null && !isCallable(value)) {
    const result = createSequence<PlainObject>();
    for (const key of Object.keys(value)) {
      const single = createRecord();
      single[key] = (value as PlainObject)[key];
      result.push(single);
    }
    context.charge(result.length);
    return result;
  }
  return value;
}

function merge(objects: unknown[], context: CallContext): PlainObject {
  const result = createRecord();
  for (const object of objects) {
    for (const key of ownKeys(object)) result[key] = (object as PlainObject)[key];
  }
  context.charge(Object.keys(result).length);
  return result;
}

function each(object: unknown, callback: unknown, context: CallContext): unknown[] {
  const result = createSequence<unknown>();
  for (const key of ownKeys(object)) {
    const value = (object as PlainObject)[key];
    const mapped = context.apply(
      callback,
      callbackArguments(context, callback, value, key, object),
    );
    if (mapped !== undefined) result.push(mapped);
  }
  return result;
}

function sift(object: unknown, predicate: unknown, context: CallContext): PlainObject | undefined {
  if (predicate === undefined) {
    fail('T0410', 'Argument 2 of function sift does not match function signature', {
      index: 2,
      token: 'sift',
    });
  }
  const result = createRecord();
  let kept = 0;
  for (const key of ownKeys(object)) {
    const value = (object as PlainObject)[key];
    if (
      toBoolean(context.apply(predicate, callbackArguments(context, predicate, value, key, object)))
    ) {
      result[key] = value;
      kept++;
    }
  }
  return kept === 0 ? undefined : result;
}

/** Rebuilds parsed JSON with null-prototype objects. */
function withoutPrototypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPrototypes);
  if (typeof value !== 'object' || value === null) return value;
  const result = createRecord();
  for (const key of Object.keys(value))
    result[key] = withoutPrototypes((value as PlainObject)[key]);
  return result;
}

/** `$clone`: a deep copy through JSON, as the reference does (functions become ""). */
export function clone(value: unknown, context: CallContext): unknown {
  if (value === undefined) return undefined;
  const text = stringify(value);
  context.charge(text.length);
  return withoutPrototypes(JSON.parse(text));
}

function typeOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return 'null';
  if (isNumeric(value)) return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value)) return 'array';
  if (isCallable(value)) return 'function';
  return 'object';
}

export const OBJECT_FUNCTIONS: readonly NativeFunction[] = [
  define('keys', '<x-:a<s>>', ([value]) => keys(value)),
  define('lookup', '<x-s:x>', ([value, key]) => lookup(value, key as string)),
  define('spread', '<x-:a<o>>', ([value], context) => spread(value, context)),
  define('merge', '<a<o>:o>', ([objects], context) =>
    objects === undefined ? undefined : merge(objects as unknown[], context),
  ),
  define('each', '<o-f:a>', ([object, callback], context) => each(object, callback, context)),
  define('sift', '<o-f?:o>', ([object, predicate], context) => sift(object, predicate, context)),
  define('clone', '<(oa)-:o>', ([value], context) => clone(value, context)),
  define('type', '<x:s>', ([value]) => typeOf(value)),
  define('error', '<s?:x>', ([message]) =>
    fail(
      'D3137',
      typeof message === 'string' && message !== '' ? message : '$error() function evaluated',
    ),
  ),
  define('assert', '<bs?:x>', ([condition, message]) => {
    if (!condition) {
      fail(
        'D3141',
        typeof message === 'string' && message !== '' ? message : '$assert() statement failed',
      );
    }
    return undefined;
  }),
];
