import { types } from 'node:util';

/** Fields whose Error value is written with its stack; elsewhere an Error is just name and message. */
const ERROR_FIELDS = new Set(['err', 'error']);

/**
 * Turns `err`/`error` Errors into plain `{ name, message, code?, stack?, cause? }` objects
 * before redaction, which then masks secrets in the message and stack like any string.
 */
export function withSerializedErrors(fields: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    setField(result, key, ERROR_FIELDS.has(key) && isError(value) ? serializeError(value) : value);
  }
  return result;
}

function serializeError(error: Error): Record<string, unknown> {
  const result: Record<string, unknown> = {
    name: String(error.name),
    message: String(error.message),
  };
  const { code } = error as { code?: unknown };
  if (code !== undefined) result.code = code;
  if (typeof error.stack === 'string') result.stack = error.stack;
  // The redactor serializes an Error cause as name, message and code.
  if (error.cause !== undefined) result.cause = error.cause;
  return result;
}

function isError(value: unknown): value is Error {
  return types.isNativeError(value) || value instanceof Error;
}

/** Adds a field even when it is called `__proto__` (plain assignment would set the prototype). */
export function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** JSON has no BigInt, Map or Set; write them the way a reader would expect. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (types.isMap(value)) {
    return Object.fromEntries([...value].map(([key, item]) => [String(key), item]));
  }
  if (types.isSet(value)) return [...value];
  return value;
}
