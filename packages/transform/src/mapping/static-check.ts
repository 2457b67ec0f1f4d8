// What can be known about an expression without running it. Deliberately conservative: only
// expressions that are a plain field path (`customer.name`, `$$.id`, `$record.lines`), or a
// call whose arguments are plain paths, are checked against the source interface; anything
// else is taken on trust and left to run-time validation.
import type { FieldType, InterfaceField } from '../interfaces/model.js';

const NAME = String.raw`(?:[A-Za-z_][A-Za-z0-9_]*|\x60[^\x60]+\x60)`;
const SIMPLE_PATH = new RegExp(String.raw`^(\$\$|\$record)?((?:^|\.)${NAME})((?:\.${NAME})*)$`);
const CALL = /^\$[A-Za-z_][A-Za-z0-9_]*\((.*)\)$/s;

export interface PathRef {
  /** Relative to the record (`$record.`) or to the current context. */
  readonly root: 'record' | 'context';
  readonly steps: readonly string[];
}

function unquote(step: string): string {
  return step.startsWith('`') ? step.slice(1, -1) : step;
}

/** The field path an expression consists of, if it is nothing but a path. */
export function simplePath(source: string): PathRef | undefined {
  const match = SIMPLE_PATH.exec(source.trim());
  if (match === null) return undefined;
  const head = (match[2] ?? '').replace(/^\./, '');
  if (match[1] === undefined && match[2]?.startsWith('.')) return undefined;
  const rest = (match[3] ?? '').match(new RegExp(NAME, 'g')) ?? [];
  const steps = [head, ...rest].map(unquote);
  // bare `true`, `false`, `null` are literals, not field names
  if (match[1] === undefined && steps.length === 1 && ['true', 'false', 'null'].includes(head))
    return undefined;
  return { root: match[1] === '$record' ? 'record' : 'context', steps };
}

/** Splits `$fn(a, b)` into its top-level arguments (outside strings and brackets). */
function callArguments(source: string): string[] | undefined {
  const match = CALL.exec(source.trim());
  if (match === null) return undefined;
  const body = match[1] ?? '';
  const args: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (quote) {
      if (char === '\\') i += 1;
      else if (char === quote) quote = '';
      continue;
    }
    if (char === '"' || char === "'" || char === '`') quote = char;
    else if (char === '(' || char === '[' || char === '{') depth += 1;
    else if (char === ')' || char === ']' || char === '}') {
      depth -= 1;
      if (depth < 0) return undefined; // `$a(x) + $b(y)`: not one call
    } else if (char === ',' && depth === 0) {
      args.push(body.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0 || quote) return undefined;
  args.push(body.slice(start));
  return args;
}

/** Every plain path an expression reads that can be checked: itself, or its call's arguments. */
export function checkablePaths(source: string): PathRef[] {
  const path = simplePath(source);
  if (path) return [path];
  return (callArguments(source) ?? []).flatMap((arg) => {
    const found = simplePath(arg);
    return found ? [found] : [];
  });
}

/** A field's shape as seen from a path: found, not found, or unknowable (an open interface). */
export type Resolved = { readonly field: InterfaceField } | 'missing' | 'unknown';

/** Fields at one level of an interface, and whether keys not listed there are errors. */
export interface Level {
  readonly fields: readonly InterfaceField[] | undefined;
  readonly closed: boolean;
}

export const UNKNOWN_LEVEL: Level = Object.freeze({ fields: undefined, closed: false });

/** Follows `steps` from `level`; an object field's own `closed` applies below it. */
export function resolvePath(level: Level, steps: readonly string[]): Resolved {
  let current = level.fields;
  let closed = level.closed;
  let found: InterfaceField | undefined;
  for (const step of steps) {
    if (current === undefined) return 'unknown';
    found = current.find((field) => field.name === step);
    if (found === undefined) return closed ? 'missing' : 'unknown';
    closed = found.closed ?? closed;
    current = found.fields;
  }
  return found ? { field: found } : 'unknown';
}

/** The level below a resolved object field. */
export function levelOf(resolved: Resolved, parent: Level): Level {
  if (typeof resolved !== 'object') return UNKNOWN_LEVEL;
  return { fields: resolved.field.fields, closed: resolved.field.closed ?? parent.closed };
}

/** Whether a value of `source` type can land in a `target` field (run-time validation does the rest). */
export function compatible(source: FieldType, target: FieldType): boolean {
  if (source === target || source === 'any' || target === 'any') return true;
  const numeric = (type: FieldType): boolean => type === 'number' || type === 'integer';
  const textual = (type: FieldType): boolean =>
    type === 'string' || type === 'date' || type === 'datetime';
  return (numeric(source) && numeric(target)) || (textual(source) && textual(target));
}

/** Names used as the literal first argument of `$name('…'` in an expression. */
export function literalNames(source: string, fn: string): string[] {
  const pattern = new RegExp(String.raw`\$${fn}\(\s*(?:"([^"\\]*)"|'([^'\\]*)')`, 'g');
  return [...source.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? '');
}
