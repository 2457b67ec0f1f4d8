// Infers a RecordInterface from sample records (JSON values as a reader yields them). The
// result is open (closed: false): a sample never proves that no other field can appear.
import { TransformError } from '../errors.js';
import type { FieldType, InterfaceField, RecordInterface } from './model.js';

export interface InferOptions {
  /** Most samples looked at (default 1,000); the rest are ignored. */
  readonly maxSamples?: number;
  /** Deepest nesting followed (default 32); deeper values are typed 'any'. */
  readonly maxDepth?: number;
  /** Most distinct fields per object (default 1,000); beyond that the object is left open-ended. */
  readonly maxFields?: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** What the samples showed of one field so far. */
interface Observed {
  types: Set<FieldType>;
  seen: number; // samples of the parent object carrying this field with a non-null value
  repeated: boolean;
  scalar: boolean; // seen as a non-array value
  children?: Map<string, Observed>;
  objects: number; // object values merged into children
}

interface Limits {
  readonly maxDepth: number;
  readonly maxFields: number;
}

function option(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new TransformError('invalid_option', `${name} must be a positive integer`);
  return value;
}

function observed(): Observed {
  return { types: new Set(), seen: 0, repeated: false, scalar: false, objects: 0 };
}

function scalarType(value: unknown): FieldType {
  switch (typeof value) {
    case 'string':
      return DATE.test(value) ? 'date' : DATETIME.test(value) ? 'datetime' : 'string';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'any';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function observeObject(
  target: Observed,
  value: Record<string, unknown>,
  depth: number,
  limits: Limits,
): void {
  target.objects += 1;
  target.children ??= new Map();
  for (const [key, child] of Object.entries(value)) {
    let entry = target.children.get(key);
    if (entry === undefined) {
      if (target.children.size >= limits.maxFields) continue;
      entry = observed();
      target.children.set(key, entry);
    }
    if (child === null || child === undefined) continue;
    entry.seen += 1;
    observeValue(entry, child, depth + 1, limits);
  }
}

function observeValue(target: Observed, value: unknown, depth: number, limits: Limits): void {
  if (depth > limits.maxDepth) {
    target.types.add('any');
    return;
  }
  if (Array.isArray(value)) {
    target.repeated = true;
    for (const item of value) {
      if (item === null || item === undefined) continue;
      if (Array.isArray(item)) target.types.add('any');
      else observeItem(target, item, depth, limits);
    }
    return;
  }
  target.scalar = true;
  observeItem(target, value, depth, limits);
}

function observeItem(target: Observed, value: unknown, depth: number, limits: Limits): void {
  if (isPlainObject(value)) {
    target.types.add('object');
    observeObject(target, value, depth, limits);
  } else target.types.add(scalarType(value));
}

function settle(types: ReadonlySet<FieldType>): FieldType {
  const list = [...types];
  if (list.length === 0) return 'any';
  if (list.length === 1) return list[0] as FieldType;
  if (list.every((type) => type === 'integer' || type === 'number')) return 'number';
  if (list.every((type) => type === 'date' || type === 'datetime' || type === 'string'))
    return 'string';
  return 'any';
}

function toFields(parent: Observed): InterfaceField[] {
  const fields: InterfaceField[] = [];
  for (const [name, entry] of parent.children ?? []) {
    const type = settle(entry.types);
    const field: InterfaceField = {
      name,
      type,
      required: entry.seen === parent.objects,
      // a field that was sometimes a list and sometimes a single value is typed as a list
      repeated: entry.repeated,
      ...(type === 'object' && entry.children ? { fields: Object.freeze(toFields(entry)) } : {}),
    };
    fields.push(Object.freeze(field));
  }
  return fields;
}

/**
 * Infers the interface of records like `samples` (each a JSON object; others are refused). A
 * field is required when every sample has it with a non-null value; numbers are 'integer' when
 * every sample value is whole; strings that all look like ISO dates are 'date' / 'datetime'.
 */
export function inferJsonInterface(
  samples: readonly unknown[],
  options?: InferOptions,
): RecordInterface {
  if (!Array.isArray(samples))
    throw new TransformError('invalid_option', 'inferJsonInterface needs an array of samples');
  const maxSamples = option('maxSamples', options?.maxSamples, 1000);
  const limits: Limits = {
    maxDepth: option('maxDepth', options?.maxDepth, 32),
    maxFields: option('maxFields', options?.maxFields, 1000),
  };
  const root = observed();
  samples.slice(0, maxSamples).forEach((sample, index) => {
    if (!isPlainObject(sample))
      throw new TransformError('invalid_option', `sample ${index + 1} is not a JSON object`);
    observeObject(root, sample, 1, limits);
  });
  return Object.freeze({ format: 'json', fields: Object.freeze(toFields(root)), closed: false });
}
