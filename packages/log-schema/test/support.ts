import { LogSchemaError } from '../src/errors.js';

/** Runs a parser expected to refuse its input, and returns the LogSchemaError it threw. */
export function refusal(parse: () => unknown): LogSchemaError {
  try {
    parse();
  } catch (error) {
    if (LogSchemaError.is(error)) return error;
    throw error;
  }
  throw new Error('expected the parser to refuse the input');
}

/** A copy of `record` with the value at a dotted path replaced (or removed, for `undefined`). */
export function withField(record: object, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(record) as Record<string, unknown>;
  const keys = path.split('.');
  const last = keys.pop() as string;
  let target = copy;
  for (const key of keys) target = target[key] as Record<string, unknown>;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}
