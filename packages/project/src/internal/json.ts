// JSON data helpers. A document arrives as any value (parsed YAML, a request body, a database
// row): before anything recurses into it, checkJsonData walks it without recursion and bounds
// its depth, so later recursive helpers cannot overflow the stack.
import type { JsonObject, JsonValue } from '../types.js';
import { child, item } from './problems.js';

/** Deep enough for a mapping's 32 levels of nested fields inside a project; far below the stack limit. */
export const MAX_JSON_DEPTH = 200;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

export interface JsonDataProblem {
  readonly path: string;
  readonly kind: 'not_json' | 'too_large';
  readonly message: string;
}

/** More nodes than any document within the size limits can hold (shared sub-objects count each time). */
const MAX_JSON_NODES = 2_000_000;

interface Visit {
  readonly value: unknown;
  readonly path: string;
  readonly depth: number;
  /** Set on the marker that closes an object or list: it leaves the ancestor set. */
  readonly leaving?: object;
}

/**
 * The first place where `value` is not plain JSON data (a function, a Date, a BigInt, NaN, an
 * undefined list item, a cycle…) or nests deeper than `maxDepth`; undefined when it is JSON.
 * Object properties whose value is undefined are allowed: JSON leaves them out.
 */
export function checkJsonData(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
): JsonDataProblem | undefined {
  const stack: Visit[] = [{ value, path: '', depth: 0 }];
  const ancestors = new Set<object>();
  let nodes = 0;
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (next.leaving !== undefined) {
      ancestors.delete(next.leaving);
      continue;
    }
    const { value: current, path, depth } = next;
    nodes += 1;
    if (nodes > MAX_JSON_NODES)
      return { path: '', kind: 'too_large', message: `holds more than ${MAX_JSON_NODES} values` };
    if (current === null || typeof current === 'string' || typeof current === 'boolean') continue;
    if (typeof current === 'number') {
      if (Number.isFinite(current)) continue;
      return { path, kind: 'not_json', message: 'is not a finite number' };
    }
    if (typeof current !== 'object')
      return { path, kind: 'not_json', message: `is a ${typeof current}, which JSON cannot hold` };
    if (!Array.isArray(current) && !isPlainObject(current))
      return { path, kind: 'not_json', message: 'is an object that is not plain JSON data' };
    if (depth >= maxDepth)
      return { path, kind: 'too_large', message: `nests deeper than ${maxDepth} levels` };
    if (ancestors.has(current)) return { path, kind: 'not_json', message: 'contains itself' };
    ancestors.add(current);
    stack.push({ value: undefined, path, depth, leaving: current });
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) {
        const entry: unknown = current[index];
        if (entry === undefined)
          return { path: item(path, index), kind: 'not_json', message: 'is undefined' };
        stack.push({ value: entry, path: item(path, index), depth: depth + 1 });
      }
    } else {
      for (const [key, entry] of Object.entries(current).reverse()) {
        if (entry === undefined) continue;
        stack.push({ value: entry, path: child(path, key), depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** A fresh copy of checked JSON data (undefined properties dropped). */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** JSON with object keys sorted (code-unit order) and no whitespace: equal data, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((entry: unknown) => (entry === undefined ? 'null' : canonicalJson(entry))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, entry]) => entry !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`);
  return `{${entries.join(',')}}`;
}

/** Sets a property without invoking setters: a key named `__proto__` stays data. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** `over` merged onto `base`: objects merged key by key, anything else (lists too) replaced. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const merged: JsonObject = {};
  for (const [key, value] of Object.entries(base)) setOwn(merged, key, cloneJson(value));
  for (const [key, value] of Object.entries(over)) {
    const under = Object.hasOwn(merged, key) ? merged[key] : undefined;
    setOwn(
      merged,
      key,
      isPlainObject(under) && isPlainObject(value)
        ? deepMerge(under as JsonObject, value as JsonObject)
        : cloneJson(value),
    );
  }
  return merged;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return isPlainObject(value);
}

export type { JsonValue };
