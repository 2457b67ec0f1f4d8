// Small readers for the fields of the document's own objects. Each reports what is wrong with its
// path and returns undefined, so a check carries on and every problem is found. A null counts as
// absent (YAML writes an empty value as null).
import { isPlainObject } from './json.js';
import { child, describeType, item, quote, type Problems } from './problems.js';

export const ITEM_NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const MAX_DESCRIPTION = 2_000;
export const MAX_LIST = 500;

export type Fields = Record<string, unknown>;

/** The object at `path`, its unknown keys reported; undefined (reported) when it is not an object. */
export function objectAt(
  value: unknown,
  path: string,
  allowed: readonly string[],
  problems: Problems,
): Fields | undefined {
  if (!isPlainObject(value)) {
    problems.add(path, 'invalid_type', `must be an object, not ${describeType(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value))
    if (!allowed.includes(key))
      problems.add(child(path, key), 'unknown_field', 'is not a known field');
  return value;
}

function present(fields: Fields, key: string): boolean {
  return Object.hasOwn(fields, key) && fields[key] !== null && fields[key] !== undefined;
}

export function stringAt(
  fields: Fields,
  key: string,
  path: string,
  problems: Problems,
  options: { required?: boolean; max?: number; pattern?: RegExp; patternMessage?: string } = {},
): string | undefined {
  const at = child(path, key);
  if (!present(fields, key)) {
    if (options.required) problems.add(at, 'required', 'is required');
    return undefined;
  }
  const value = fields[key];
  if (typeof value !== 'string') {
    problems.add(at, 'invalid_type', `must be a string, not ${describeType(value)}`);
    return undefined;
  }
  if (options.max !== undefined && value.length > options.max) {
    problems.add(
      at,
      'too_large',
      `is ${value.length} characters; at most ${options.max} are allowed`,
    );
    return undefined;
  }
  if (options.pattern && !options.pattern.test(value)) {
    problems.add(
      at,
      'invalid_value',
      `${quote(value)} ${options.patternMessage ?? 'is not valid here'}`,
    );
    return undefined;
  }
  return value;
}

export function descriptionAt(
  fields: Fields,
  path: string,
  problems: Problems,
): string | undefined {
  return stringAt(fields, 'description', path, problems, { max: MAX_DESCRIPTION });
}

export function oneOfAt<T extends string>(
  fields: Fields,
  key: string,
  path: string,
  choices: readonly T[],
  problems: Problems,
  required = true,
): T | undefined {
  const at = child(path, key);
  if (!present(fields, key)) {
    if (required) problems.add(at, 'required', `is required: one of ${choices.join(', ')}`);
    return undefined;
  }
  const value = fields[key];
  if (typeof value === 'string' && (choices as readonly string[]).includes(value))
    return value as T;
  problems.add(
    at,
    typeof value === 'string' ? 'invalid_value' : 'invalid_type',
    `must be one of ${choices.join(', ')}`,
  );
  return undefined;
}

export function integerAt(
  fields: Fields,
  key: string,
  path: string,
  range: { min: number; max: number },
  problems: Problems,
): number | undefined {
  if (!present(fields, key)) return undefined;
  const value = fields[key];
  const at = child(path, key);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problems.add(at, 'invalid_type', 'must be a whole number');
    return undefined;
  }
  if (value < range.min || value > range.max) {
    problems.add(at, 'invalid_value', `must be from ${range.min} to ${range.max}`);
    return undefined;
  }
  return value;
}

export function booleanAt(
  fields: Fields,
  key: string,
  path: string,
  problems: Problems,
): boolean | undefined {
  if (!present(fields, key)) return undefined;
  const value = fields[key];
  if (typeof value === 'boolean') return value;
  problems.add(child(path, key), 'invalid_type', 'must be true or false');
  return undefined;
}

/** A list of strings (each checked by `each`), at most MAX_LIST long, no repeats. */
export function stringListAt(
  fields: Fields,
  key: string,
  path: string,
  problems: Problems,
  options: { required?: boolean; max?: number; each?: (value: string, at: string) => boolean } = {},
): string[] | undefined {
  const at = child(path, key);
  if (!present(fields, key)) {
    if (options.required) problems.add(at, 'required', 'is required');
    return undefined;
  }
  const value = fields[key];
  if (!Array.isArray(value)) {
    problems.add(at, 'invalid_type', `must be a list, not ${describeType(value)}`);
    return undefined;
  }
  const max = options.max ?? MAX_LIST;
  if (value.length > max) {
    problems.add(at, 'too_large', `has ${value.length} items; at most ${max} are allowed`);
    return undefined;
  }
  if (options.required && value.length === 0) problems.add(at, 'required', 'must not be empty');
  const seen = new Set<string>();
  const result: string[] = [];
  value.forEach((entry: unknown, index) => {
    const entryPath = item(at, index);
    if (typeof entry !== 'string') {
      problems.add(entryPath, 'invalid_type', `must be a string, not ${describeType(entry)}`);
      return;
    }
    if (seen.has(entry)) {
      problems.add(entryPath, 'duplicate', `repeats ${quote(entry)}`);
      return;
    }
    seen.add(entry);
    if (options.each === undefined || options.each(entry, entryPath)) result.push(entry);
  });
  return result;
}

/**
 * An object holding named items: each name checked, at most MAX_LIST of them. Past the limit
 * the items are not read (`skipped` keeps their names so references to them do not cascade).
 */
export function sectionAt(
  value: unknown,
  path: string,
  name: RegExp,
  nameRule: string,
  problems: Problems,
): { entries: Array<[string, unknown]>; skipped: string[] } {
  if (value === undefined || value === null) return { entries: [], skipped: [] };
  if (!isPlainObject(value)) {
    problems.add(
      path,
      'invalid_type',
      `must be an object of named items, not ${describeType(value)}`,
    );
    return { entries: [], skipped: [] };
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_LIST) {
    problems.add(path, 'too_large', `has ${entries.length} items; at most ${MAX_LIST} are allowed`);
    return { entries: [], skipped: entries.map(([key]) => key) };
  }
  const valid = entries.filter(([key]) => {
    if (name.test(key)) return true;
    problems.add(child(path, key), 'invalid_name', `is not a valid name: ${nameRule}`);
    return false;
  });
  return { entries: valid, skipped: [] };
}
