// Higher-order and boolean functions: $map, $filter, $reduce, $single, $boolean, $not,
// $exists, and $eval (which compiles through the core, under the same limits).

import {
  createSequence,
  ExpressionError,
  isSequence,
  type CallContext,
  type NativeFunction,
} from '../contract.js';
import { define } from './define.js';
import { callbackArguments, fail, toBoolean } from './values.js';

function map(items: unknown[], callback: unknown, context: CallContext): unknown[] {
  const result = createSequence<unknown>();
  items.forEach((item, index) => {
    const mapped = context.apply(
      callback,
      callbackArguments(context, callback, item, index, items),
    );
    if (mapped !== undefined) result.push(mapped);
  });
  return result;
}

function filter(items: unknown[], predicate: unknown, context: CallContext): unknown[] {
  const result = createSequence<unknown>();
  items.forEach((item, index) => {
    if (
      toBoolean(context.apply(predicate, callbackArguments(context, predicate, item, index, items)))
    ) {
      result.push(item);
    }
  });
  return result;
}

function single(items: unknown[], predicate: unknown, context: CallContext): unknown {
  let found = false;
  let result: unknown;
  items.forEach((item, index) => {
    const matches =
      predicate === undefined ||
      toBoolean(
        context.apply(predicate, callbackArguments(context, predicate, item, index, items)),
      );
    if (!matches) return;
    if (found) {
      fail(
        'D3138',
        'The $single() function expected exactly 1 matching result.  Instead it matched more.',
        {
          index,
        },
      );
    }
    found = true;
    result = item;
  });
  if (!found)
    fail(
      'D3139',
      'The $single() function expected exactly 1 matching result.  Instead it matched 0.',
    );
  return result;
}

function reduce(
  items: unknown[],
  callback: unknown,
  initial: unknown,
  context: CallContext,
): unknown {
  const arity = context.arity(callback);
  if (arity < 2) {
    fail(
      'D3050',
      'The second argument of reduce function must be a function with at least two arguments',
      {
        index: 1,
      },
    );
  }
  let index = 0;
  let accumulator = initial;
  if (initial === undefined && items.length > 0) {
    accumulator = items[0];
    index = 1;
  }
  for (; index < items.length; index++) {
    const args = [accumulator, items[index]];
    if (arity >= 3) args.push(index);
    if (arity >= 4) args.push(items);
    accumulator = context.apply(callback, args);
  }
  return accumulator;
}

function evaluate(expression: string, focus: unknown, context: CallContext): unknown {
  let input = context.input;
  if (focus !== undefined) {
    input = focus;
    // A JSON array given as the focus is one input item, not a sequence of items.
    if (Array.isArray(focus) && !isSequence(focus)) {
      const wrapped = createSequence<unknown>(focus);
      wrapped.outerWrapper = true;
      input = wrapped;
    }
  }
  try {
    return context.evaluate(expression, input);
  } catch (error) {
    // Limits (U…) pass through untouched; the reference's own wrappers are not doubled.
    if (!ExpressionError.is(error) || /^(U|D312[01])/.test(error.code)) throw error;
    const code = error.code.startsWith('S0') ? 'D3120' : 'D3121';
    const kind = code === 'D3120' ? 'Syntax error in' : 'Dynamic error evaluating the';
    throw new ExpressionError(
      code,
      `${kind} expression passed to function eval: ${error.message}`,
      {
        value: error.message,
      },
    );
  }
}

function withArray(
  name: string,
  signature: string,
  operation: (items: unknown[], args: unknown[], context: CallContext) => unknown,
): NativeFunction {
  return define(name, signature, (args, context) =>
    args[0] === undefined ? undefined : operation(args[0] as unknown[], args, context),
  );
}

export const HIGHER_ORDER_FUNCTIONS: readonly NativeFunction[] = [
  withArray('map', '<af>', (items, [, callback], context) => map(items, callback, context)),
  withArray('filter', '<af>', (items, [, predicate], context) => filter(items, predicate, context)),
  withArray('single', '<af?>', (items, [, predicate], context) =>
    single(items, predicate, context),
  ),
  withArray('reduce', '<afj?:j>', (items, [, callback, initial], context) =>
    reduce(items, callback, initial, context),
  ),
  define('boolean', '<x-:b>', ([value]) => (value === undefined ? undefined : toBoolean(value))),
  define('not', '<x-:b>', ([value]) => (value === undefined ? undefined : !toBoolean(value))),
  define('exists', '<x:b>', ([value]) => value !== undefined),
  define('eval', '<sx?:x>', ([expression, focus], context) =>
    expression === undefined ? undefined : evaluate(expression as string, focus, context),
  ),
];
