/**
 * JavaScript evaluated INSIDE each fresh QuickJS context before the user's script (it never
 * runs in the host). It captures the built-ins it needs while they are still pristine, installs
 * `log` / `console` / `WriteToOperationLog`, and returns [makeRunner, importFrozen, describeError] to the host.
 *
 * Nothing here is a security boundary: a script can tamper with prototypes and so confuse these
 * helpers about its own result, but all that ever leaves the VM is a string, which the host
 * size-checks and parses itself. The helpers exist to give clear errors (a function in the
 * result, a cycle, a Promise) instead of JSON.stringify's silent drops.
 *
 * Result protocol of a runner call: one string, 'R' + result JSON, 'E' + error JSON
 * ({ name, message, stack }), or 'O' + a problem with the result.
 */
export const PRELUDE_SOURCE = String.raw`(function (hostLog, hostExpired, hostOperationLog, maxDepth, maxOutputChars, maxMessageChars, maxLogChars, maxOperationLogChars) {
  'use strict';
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const keys = Object.keys;
  const freeze = Object.freeze;
  const getPrototypeOf = Object.getPrototypeOf;
  const objectPrototype = Object.prototype;
  const isArray = Array.isArray;
  const apply = Reflect.apply;
  const slice = String.prototype.slice;
  const charCodeAt = String.prototype.charCodeAt;
  const toText = String;
  const isFiniteNumber = Number.isFinite;
  const PromiseConstructor = Promise;

  // Cut to max UTF-16 units, never between the two halves of a surrogate pair.
  function cut(text, max) {
    if (text.length <= max) return text;
    const last = apply(charCodeAt, text, [max - 1]);
    return apply(slice, text, [0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max]);
  }
  function cap(text, max) {
    return text.length > max ? apply(slice, text, [0, max]) + '…' : text;
  }
  function readText(value) {
    return typeof value === 'string' ? value : value === undefined ? '' : toText(value);
  }
  function describeError(error) {
    let name = '';
    let message = '';
    let stack = '';
    try {
      if (error !== null && (typeof error === 'object' || typeof error === 'function')) {
        name = readText(error.name);
        message = readText(error.message);
        stack = readText(error.stack);
      } else if (error === null) {
        // What QuickJS throws when even its out-of-memory error cannot be allocated.
        name = 'null';
      } else {
        message = readText(error);
      }
    } catch (_) {
      message = 'the thrown value could not be read';
    }
    return stringify({ name: cap(name, 100), message: cap(message, maxMessageChars), stack: cap(stack, 4000) });
  }

  function at(path, depth) {
    if (depth === 0) return '';
    let shown = '';
    for (let i = 0; i < depth; i++) {
      const key = path[i];
      shown += typeof key === 'number' ? '[' + key + ']' : (i === 0 ? '' : '.') + cap(key, 50);
    }
    return ' (at ' + shown + ')';
  }
  function kind(value) {
    if (value === undefined) return 'undefined';
    const type = typeof value;
    if (type === 'function') return 'a function';
    if (type === 'symbol') return 'a symbol';
    if (type === 'bigint') return 'a BigInt';
    if (type === 'number') return 'the number ' + toText(value);
    if (value instanceof PromiseConstructor) return 'a Promise';
    return 'an object that is neither a plain object nor an array (a Map, Set, class instance…)';
  }
  const ancestors = [];
  const path = [];
  // Returns '' when value is JSON-like, else the problem.
  function check(value, depth) {
    if (value === null) return '';
    const type = typeof value;
    if (type === 'string' || type === 'boolean') return '';
    if (type === 'number') return isFiniteNumber(value) ? '' : kind(value) + ' is not JSON-representable' + at(path, depth);
    if (type !== 'object') return kind(value) + ' is not JSON-representable' + at(path, depth);
    if (typeof value.toJSON === 'function') return check(value.toJSON(), depth);
    for (let i = 0; i < depth; i++) {
      if (ancestors[i] === value) return 'a cycle is not JSON-representable' + at(path, depth);
    }
    if (depth >= maxDepth) return 'nesting deeper than ' + maxDepth + ' levels' + at(path, depth);
    ancestors[depth] = value;
    if (isArray(value)) {
      const length = value.length;
      for (let i = 0; i < length; i++) {
        path[depth] = i;
        const item = value[i];
        const problem = item === undefined ? 'undefined is not JSON-representable' + at(path, depth + 1) : check(item, depth + 1);
        if (problem !== '') return problem;
      }
      return '';
    }
    const prototype = getPrototypeOf(value);
    if (prototype !== objectPrototype && prototype !== null) {
      return kind(value) + ' is not JSON-representable' + at(path, depth);
    }
    const names = keys(value);
    for (let i = 0; i < names.length; i++) {
      path[depth] = names[i];
      const item = value[names[i]];
      if (item === undefined) continue;
      const problem = check(item, depth + 1);
      if (problem !== '') return problem;
    }
    return '';
  }
  function exportResult(value) {
    if (value === undefined) return 'Othe script returned undefined (return null for "no value")';
    if (value !== null && typeof value === 'object' && typeof value.then === 'function') {
      return 'Othe script returned a Promise: transform must return its result synchronously';
    }
    const problem = check(value, 0);
    if (problem !== '') return 'O' + problem;
    const text = stringify(value);
    if (typeof text !== 'string') return 'Othe result is not JSON-representable';
    if (text.length > maxOutputChars) return 'Othe result is larger than ' + maxOutputChars + ' bytes as JSON';
    return 'R' + text;
  }
  function makeRunner(transform) {
    return function run(inputText, bindings) {
      let result;
      try {
        result = transform(parse(inputText), bindings);
      } catch (error) {
        return 'E' + describeError(error);
      }
      try {
        return exportResult(result);
      } catch (error) {
        return 'E' + describeError(error);
      }
    };
  }
  function deepFreeze(value, depth) {
    if (value !== null && typeof value === 'object' && depth <= maxDepth) {
      const names = keys(value);
      for (let i = 0; i < names.length; i++) deepFreeze(value[names[i]], depth + 1);
      freeze(value);
    }
    return value;
  }
  function importFrozen(text) {
    return deepFreeze(parse(text), 0);
  }

  function logText(value) {
    if (typeof value === 'string') return value;
    try {
      const text = value !== null && typeof value === 'object' ? stringify(value) : undefined;
      return typeof text === 'string' ? text : toText(value);
    } catch (_) {
      return '[value that cannot be shown]';
    }
  }
  function log() {
    let text = '';
    for (let i = 0; i < arguments.length && text.length <= maxLogChars; i++) {
      text += (i === 0 ? '' : ' ') + logText(arguments[i]);
    }
    hostLog(cap(text, maxLogChars));
  }
  // QuickJS checks its deadline only every ~10 000 branches, and a built-in working on large
  // data is one step however long it takes: a loop calling one on every turn would overrun
  // the time limit a hundredfold. Past the deadline these built-ins spin instead of working,
  // which reaches the next interrupt check (and its uncatchable error) within microseconds.
  function guard(owner, names) {
    for (let i = 0; i < names.length; i++) {
      const original = owner[names[i]];
      if (typeof original !== 'function') continue;
      const guarded = {
        [names[i]]() {
          if (hostExpired()) for (;;) {}
          return apply(original, this, arguments);
        },
      }[names[i]];
      Object.defineProperty(owner, names[i], { value: guarded, writable: true, configurable: true, enumerable: false });
    }
  }
  guard(String.prototype, ['repeat', 'padStart', 'padEnd', 'split', 'replace', 'replaceAll', 'indexOf', 'lastIndexOf',
    'includes', 'normalize', 'toUpperCase', 'toLowerCase', 'localeCompare', 'concat', 'slice', 'substring', 'trim']);
  guard(Array.prototype, ['join', 'toString', 'fill', 'sort', 'indexOf', 'lastIndexOf', 'includes', 'reverse', 'concat',
    'slice', 'splice', 'flat', 'copyWithin', 'toSorted', 'toReversed', 'toSpliced']);
  guard(Array, ['from', 'of']);
  guard(JSON, ['stringify', 'parse']);
  guard(Object, ['keys', 'values', 'entries', 'assign', 'fromEntries', 'getOwnPropertyNames']);
  const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
  guard(typedArrayPrototype, ['fill', 'set', 'sort', 'slice', 'join', 'indexOf', 'includes', 'reverse', 'copyWithin']);

  // The run's operation log (shown with the run's activity): strings as they are, anything else
  // as JSON, cut to maxOperationLogChars. Returns its argument, like the mapping's function.
  function WriteToOperationLog(value) {
    if (value !== undefined) {
      const text = logText(value);
      hostOperationLog(cut(text, maxOperationLogChars));
    }
    return value;
  }

  const console = freeze({ log: log, info: log, warn: log, error: log, debug: log });
  Object.defineProperty(globalThis, 'log', { value: log, writable: true, configurable: true });
  Object.defineProperty(globalThis, 'console', { value: console, writable: true, configurable: true });
  Object.defineProperty(globalThis, 'WriteToOperationLog', { value: WriteToOperationLog, writable: true, configurable: true });
  return [makeRunner, importFrozen, describeError];
})`;
