import { ScriptError } from './errors.js';
import { MAX_DATA_DEPTH } from './options.js';

/**
 * Host side of the boundary. Data crosses as JSON text only: the VM gets a copy it parses
 * itself and hands back text the host parses, so no host object, function or prototype is
 * ever reachable from a script, and nothing the script builds is ever reachable from the host
 * except as fresh plain data.
 */

function where(path: readonly (string | number)[]): string {
  if (path.length === 0) return '';
  const shown = path
    .map((key) =>
      typeof key === 'number' ? `[${key}]` : `.${key.length > 50 ? `${key.slice(0, 50)}…` : key}`,
    )
    .join('');
  return ` (at ${shown.startsWith('.') ? shown.slice(1) : shown})`;
}

function describe(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return 'a BigInt';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'number':
      return `the number ${String(value)}`;
    case 'undefined':
      return 'undefined';
    default:
      return value instanceof Map ? 'a Map' : value instanceof Set ? 'a Set' : `a ${typeof value}`;
  }
}

/**
 * Checks what JSON.stringify would silently drop or change (a function, NaN, `undefined` in an
 * array, a Map…) or refuse (a cycle, a BigInt), and nesting deeper than MAX_DATA_DEPTH.
 * Returns a problem, or '' when the value is JSON-like. `toJSON()` is honoured, as in JSON.
 */
function findProblem(value: unknown, path: (string | number)[], ancestors: object[]): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return '';
  if (typeof value === 'number')
    return Number.isFinite(value)
      ? ''
      : `${describe(value)} is not JSON-representable${where(path)}`;
  if (typeof value !== 'object')
    return `${describe(value)} is not JSON-representable${where(path)}`;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return findProblem(toJSON.call(value), path, ancestors);
  if (value instanceof Map || value instanceof Set)
    return `${describe(value)} is not JSON-representable${where(path)}`;
  if (ancestors.includes(value)) return `a cycle is not JSON-representable${where(path)}`;
  if (ancestors.length >= MAX_DATA_DEPTH)
    return `nesting deeper than ${MAX_DATA_DEPTH} levels${where(path)}`;
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index += 1) {
        const item: unknown = value[index];
        if (item === undefined)
          return `undefined is not JSON-representable${where([...path, index])}`;
        path.push(index);
        const problem = findProblem(item, path, ancestors);
        path.pop();
        if (problem !== '') return problem;
      }
      return '';
    }
    for (const key of Object.keys(value)) {
      const item: unknown = (value as Record<string, unknown>)[key];
      if (item === undefined) continue; // left out, as JSON has no undefined
      path.push(key);
      const problem = findProblem(item, path, ancestors);
      path.pop();
      if (problem !== '') return problem;
    }
    return '';
  } finally {
    ancestors.pop();
  }
}

function longerThan(text: string, maxBytes: number): boolean {
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: count exactly only when the length alone cannot tell.
  if (text.length > maxBytes) return true;
  if (text.length * 3 <= maxBytes) return false;
  return Buffer.byteLength(text, 'utf8') > maxBytes;
}

/** The record or bindings as JSON text, or a ScriptError 'script_input' naming what is wrong. */
export function toJsonText(
  value: unknown,
  what: 'record' | 'bindings',
  maxBytes: number,
  scriptName: string,
): string {
  const fail = (problem: string): ScriptError =>
    new ScriptError(
      'script_input',
      `script "${scriptName}": the ${what} cannot be handed to the script: ${problem}`,
      { scriptName },
    );
  if (value === undefined) throw fail('undefined is not JSON-representable');
  const problem = findProblem(value, [], []);
  if (problem !== '') throw fail(problem);
  const text = JSON.stringify(value);
  if (longerThan(text, maxBytes)) throw fail(`it is larger than ${maxBytes} bytes as JSON`);
  return text;
}

/**
 * The script's result, from the JSON text the VM produced. Parsing with the host's JSON.parse
 * gives fresh plain objects with the host's own Object.prototype; a "__proto__" key becomes an
 * ordinary own property (as with every reader in this package), never a prototype.
 */
export function fromJsonText(text: string, maxBytes: number, scriptName: string): unknown {
  if (longerThan(text, maxBytes)) {
    throw new ScriptError(
      'script_output',
      `script "${scriptName}": the result is larger than ${maxBytes} bytes as JSON`,
      { scriptName },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ScriptError('script_output', `script "${scriptName}": the result is not valid JSON`, {
      scriptName,
      cause: error,
    });
  }
}
