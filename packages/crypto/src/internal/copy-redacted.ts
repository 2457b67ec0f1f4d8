import { types } from 'node:util';

/** Past this depth values are summarised: deep recursion must not overflow the stack. */
const MAX_DEPTH = 64;
const CIRCULAR = '[Circular]';
const TOO_DEEP = '[Too deep]';
const UNREADABLE = '[Unreadable]';

export interface CopyRules {
  isSecretKey(key: string): boolean;
  redactString(s: string): string;
  redacted: string;
}

/**
 * Type checks use node:util's `types` rather than `instanceof` so that values from another
 * realm (a vm context, a test runner's sandbox) are recognised too.
 *
 * Deep-copies `value` into a loggable form, redacting as it goes. Only the ancestors of
 * a value count as a cycle, so an object referenced twice side by side is copied twice.
 * Reading a property can run a getter that throws; such values become `[Unreadable]`
 * instead of failing the whole copy.
 */
export function copyRedacted(value: unknown, rules: CopyRules): unknown {
  return copy(value, rules, new Set<object>(), 0);
}

function copy(value: unknown, rules: CopyRules, ancestors: Set<object>, depth: number): unknown {
  if (typeof value === 'string') return rules.redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return CIRCULAR;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  // Binary data is opaque: it may be key material, so only its size is shown.
  if (ArrayBuffer.isView(value)) return `[Binary ${value.byteLength} bytes]`;
  if (types.isAnyArrayBuffer(value)) return `[Binary ${value.byteLength} bytes]`;
  if (types.isDate(value)) return new Date(value.getTime());

  ancestors.add(value);
  try {
    return copyObject(value, rules, ancestors, depth);
  } catch {
    // A hostile Proxy or exotic object: it will not be inspected, and it will not crash the caller.
    return UNREADABLE;
  } finally {
    ancestors.delete(value);
  }
}

function copyObject(value: object, rules: CopyRules, ancestors: Set<object>, depth: number) {
  const inner = (v: unknown) => copy(v, rules, ancestors, depth + 1);
  if (Array.isArray(value)) return value.map((item) => guarded(() => inner(item)));
  if (types.isNativeError(value) || value instanceof Error) return copyError(value, rules, inner);
  if (types.isMap(value)) {
    const result = new Map<unknown, unknown>();
    for (const [key, item] of value) {
      const secret = typeof key === 'string' && rules.isSecretKey(key);
      result.set(inner(key), secret ? hide(item, rules) : guarded(() => inner(item)));
    }
    return result;
  }
  if (types.isSet(value)) return new Set([...value].map((item) => guarded(() => inner(item))));
  const toJSON = guarded(() => (value as { toJSON?: unknown }).toJSON);
  if (typeof toJSON === 'function') {
    // What JSON.stringify would emit, e.g. a URL's href (whose password is then masked).
    return guarded(() => inner(toJSON.call(value)));
  }
  return copyProperties(value, rules, inner);
}

function copyProperties(
  value: object,
  rules: CopyRules,
  inner: (v: unknown) => unknown,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = guarded(() => (value as Record<string, unknown>)[key]);
    // Keys themselves can carry secrets (a map of sessions keyed by token).
    const copied = rules.isSecretKey(key) ? hide(item, rules) : guarded(() => inner(item));
    // defineProperty, because assigning an own "__proto__" key (JSON.parse makes those)
    // would replace the copy's prototype instead of adding a field.
    Object.defineProperty(result, rules.redactString(key), {
      value: copied,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

function copyError(error: Error, rules: CopyRules, inner: (v: unknown) => unknown) {
  // Only these fields: drivers attach query text, parameters and connection details to
  // their errors, and none of that belongs in a log.
  const result: Record<string, unknown> = {
    name: guarded(() => inner(String(error.name))),
    message: guarded(() => inner(String(error.message))),
  };
  const code = guarded(() => (error as { code?: unknown }).code);
  if (code !== undefined) result.code = guarded(() => inner(code));
  const cause = guarded(() => error.cause);
  if (cause !== undefined) result.cause = guarded(() => inner(cause));
  return result;
}

/** Absent values stay visible (useful when debugging "no password configured"); all else is masked. */
function hide(value: unknown, rules: CopyRules): unknown {
  return value === undefined || value === null ? value : rules.redacted;
}

function guarded(read: () => unknown): unknown {
  try {
    return read();
  } catch {
    return UNREADABLE;
  }
}
