// JSON Schema (the draft 2020-12 keywords that describe records) reduced to a RecordInterface.
// Schemas are designer-authored but may be large or hostile: every walk is bounded in depth and
// in nodes, and a $ref is followed only inside the same document — nothing is ever fetched.
import { TransformError } from '../errors.js';
import { quotedName } from '../internal/short-name.js';
import type { FieldConstraints, FieldType, InterfaceField, RecordInterface } from './model.js';

export interface JsonSchemaOptions {
  /** Deepest nesting of schema objects followed (default 64). */
  readonly maxDepth?: number;
  /** Most schema objects visited, $ref expansions included (default 10,000). */
  readonly maxNodes?: number;
}

export const DEFAULT_SCHEMA_LIMITS = Object.freeze({ maxDepth: 64, maxNodes: 10_000 });

type Schema = Readonly<Record<string, unknown>>;

interface Walk {
  readonly root: Schema;
  readonly maxDepth: number;
  readonly maxNodes: number;
  nodes: number;
}

/** What one schema node says about the value it describes. */
interface Shape {
  type: FieldType;
  repeated: boolean;
  fields?: InterfaceField[];
  constraints?: FieldConstraints;
  closed: boolean;
  description?: string;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new TransformError('invalid_option', `${name} must be a positive integer`);
  return value;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointer(path: string): string {
  return path === '' ? '/' : path;
}

function escapeToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function invalid(path: string, message: string): TransformError {
  return new TransformError('invalid_option', `JSON Schema at ${pointer(path)}: ${message}`);
}

/**
 * Converts a JSON Schema describing one record (an object schema) to the format-neutral
 * RecordInterface. Throws TransformError: `invalid_option` for a schema that is not usable
 * (names the JSON pointer), `unsupported_input` for a $ref outside this document,
 * `limit_exceeded` past maxDepth / maxNodes (recursive $refs are cut at maxDepth too).
 */
export function jsonSchemaInterface(schema: unknown, options?: JsonSchemaOptions): RecordInterface {
  const walk: Walk = {
    root: isSchema(schema) ? schema : {},
    maxDepth: positiveInteger('maxDepth', options?.maxDepth, DEFAULT_SCHEMA_LIMITS.maxDepth),
    maxNodes: positiveInteger('maxNodes', options?.maxNodes, DEFAULT_SCHEMA_LIMITS.maxNodes),
    nodes: 0,
  };
  if (!isSchema(schema)) throw invalid('', 'a schema must be an object');
  const shape = describe(schema, '', 0, walk, new Set());
  if (shape.type !== 'object' || shape.repeated)
    throw invalid('', `a record schema must describe an object (found ${shape.type})`);
  return Object.freeze({ format: 'json', fields: shape.fields ?? [], closed: shape.closed });
}

function resolveRef(ref: unknown, path: string, walk: Walk): Schema {
  if (typeof ref !== 'string') throw invalid(path, '$ref must be a string');
  const shown = quotedName(ref);
  if (!ref.startsWith('#')) {
    throw new TransformError(
      'unsupported_input',
      `JSON Schema at ${pointer(path)}: $ref ${shown} is not local; only refs inside the schema (#/$defs/…) are followed and nothing is fetched`,
    );
  }
  let target: unknown = walk.root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // a stray % (URIError): name the ref, never let the bare error escape
      throw invalid(path, `$ref ${shown} is not a valid URI fragment (bad % escape)`);
    }
    const token = decoded.replaceAll('~1', '/').replaceAll('~0', '~');
    target = isSchema(target) && Object.hasOwn(target, token) ? target[token] : undefined;
  }
  if (!isSchema(target)) throw invalid(path, `$ref ${shown} does not point to a schema`);
  return target;
}

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

function schemaTypes(schema: Schema, path: string): string[] | undefined {
  const type = schema['type'];
  if (type === undefined) return undefined;
  const list = Array.isArray(type) ? type : [type];
  for (const item of list)
    if (typeof item !== 'string' || !TYPES.has(item))
      throw invalid(
        path,
        'type must be one of string, number, integer, boolean, object, array, null',
      );
  return list as string[];
}

function scalarType(schema: Schema, name: string): FieldType {
  if (name === 'string') {
    if (schema['format'] === 'date') return 'date';
    if (schema['format'] === 'date-time') return 'datetime';
  }
  return name as FieldType;
}

function typeOfLiteral(value: unknown): FieldType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return 'any';
}

function merged(types: FieldType[]): FieldType {
  const distinct = [...new Set(types)];
  if (distinct.length === 1) return distinct[0] as FieldType;
  if (distinct.length === 2 && distinct.includes('integer') && distinct.includes('number'))
    return 'number';
  return 'any';
}

function constraintsOf(schema: Schema, path: string): FieldConstraints | undefined {
  const result: Record<string, unknown> = {};
  for (const key of ['minLength', 'maxLength', 'minimum', 'maximum'] as const) {
    const value = schema[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw invalid(`${path}/${key}`, `${key} must be a number`);
    result[key] = value;
  }
  if (schema['pattern'] !== undefined) {
    if (typeof schema['pattern'] !== 'string')
      throw invalid(`${path}/pattern`, 'pattern must be a string');
    result['pattern'] = schema['pattern'];
  }
  const literals =
    schema['enum'] ?? (Object.hasOwn(schema, 'const') ? [schema['const']] : undefined);
  if (literals !== undefined) {
    if (!Array.isArray(literals)) throw invalid(`${path}/enum`, 'enum must be an array');
    const scalars = literals.filter(
      (item) => item === null || ['string', 'number', 'boolean'].includes(typeof item),
    );
    // enums of objects cannot be checked field by field; they are left to the record's own rules
    if (scalars.length === literals.length) result['enum'] = Object.freeze(scalars);
  }
  return Object.keys(result).length > 0 ? Object.freeze(result) : undefined;
}

function describe(
  schema: Schema,
  path: string,
  depth: number,
  walk: Walk,
  refs: ReadonlySet<Schema>,
): Shape {
  walk.nodes += 1;
  if (walk.nodes > walk.maxNodes)
    throw new TransformError(
      'limit_exceeded',
      `JSON Schema has more than ${walk.maxNodes} schema nodes (at ${pointer(path)})`,
    );
  if (depth > walk.maxDepth)
    throw new TransformError(
      'limit_exceeded',
      `JSON Schema nests deeper than ${walk.maxDepth} levels (at ${pointer(path)})`,
    );
  if (schema['$ref'] !== undefined) {
    const target = resolveRef(schema['$ref'], path, walk);
    // A recursive structure has no finite field list: the recursion point is an open object.
    if (refs.has(target)) return { type: 'object', repeated: false, closed: false };
    const next = new Set(refs).add(target);
    const shape = describe(target, `${path}/$ref`, depth + 1, walk, next);
    const { $ref: _ref, ...rest } = schema;
    return Object.keys(rest).length === 0
      ? shape
      : combine([shape, describe(rest, path, depth + 1, walk, refs)], 'all');
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every(isSchema))
      throw invalid(`${path}/${keyword}`, `${keyword} must be an array of schemas`);
    const { [keyword]: _list, ...rest } = schema;
    const parts = list.map((part, index) =>
      describe(part, `${path}/${keyword}/${index}`, depth + 1, walk, refs),
    );
    const nonNull = parts.filter((part) => part.type !== ('null' as FieldType));
    const combined = combine(
      nonNull.length > 0 ? nonNull : parts,
      keyword === 'allOf' ? 'all' : 'any',
    );
    return Object.keys(rest).length === 0
      ? combined
      : combine([combined, describe(rest, path, depth + 1, walk, refs)], 'all');
  }
  const types = schemaTypes(schema, path)?.filter((type) => type !== 'null');
  const constraints = constraintsOf(schema, path);
  const description = typeof schema['description'] === 'string' ? schema['description'] : undefined;
  const base = { constraints, description, closed: false, repeated: false };
  const properties = schema['properties'];
  if (
    (types === undefined && properties !== undefined) ||
    (types?.length === 1 && types[0] === 'object')
  )
    return { ...base, type: 'object', ...objectFields(schema, path, depth, walk, refs) };
  if (types?.length === 1 && types[0] === 'array') {
    const items = schema['items'];
    if (items === undefined || items === true) return { ...base, type: 'any', repeated: true };
    if (!isSchema(items)) throw invalid(`${path}/items`, 'items must be a schema');
    const item = describe(items, `${path}/items`, depth + 1, walk, refs);
    // an array of arrays has no field-level shape: its items are 'any'
    return { ...item, type: item.repeated ? 'any' : item.type, repeated: true, description };
  }
  if (types === undefined || types.length === 0) {
    const literals = constraints?.enum;
    const type = literals && literals.length > 0 ? merged(literals.map(typeOfLiteral)) : 'any';
    return { ...base, type: types?.length === 0 ? ('null' as FieldType) : type };
  }
  return { ...base, type: merged(types.map((name) => scalarType(schema, name))) };
}

function objectFields(
  schema: Schema,
  path: string,
  depth: number,
  walk: Walk,
  refs: ReadonlySet<Schema>,
): { fields: InterfaceField[]; closed: boolean } {
  const properties = schema['properties'] ?? {};
  if (!isSchema(properties)) throw invalid(`${path}/properties`, 'properties must be an object');
  const requiredList = schema['required'] ?? [];
  if (!Array.isArray(requiredList) || !requiredList.every((name) => typeof name === 'string'))
    throw invalid(`${path}/required`, 'required must be an array of names');
  const required = new Set<string>(requiredList as string[]);
  const fields: InterfaceField[] = [];
  for (const [name, child] of Object.entries(properties)) {
    const childPath = `${path}/properties/${escapeToken(name)}`;
    if (child === true || child === false) {
      if (child)
        fields.push(field(name, { type: 'any', repeated: false, closed: false }, required));
      continue;
    }
    if (!isSchema(child)) throw invalid(childPath, 'a property schema must be an object');
    fields.push(field(name, describe(child, childPath, depth + 1, walk, refs), required));
  }
  const closed =
    schema['additionalProperties'] === false || schema['unevaluatedProperties'] === false;
  return { fields, closed };
}

function field(name: string, shape: Shape, required: ReadonlySet<string>): InterfaceField {
  const result: InterfaceField = {
    name,
    type: shape.type === ('null' as FieldType) ? 'any' : shape.type,
    required: required.has(name),
    repeated: shape.repeated,
    ...(shape.fields ? { fields: Object.freeze(shape.fields) } : {}),
    ...(shape.type === 'object' ? { closed: shape.closed } : {}),
    ...(shape.constraints ? { constraints: shape.constraints } : {}),
    ...(shape.description !== undefined ? { description: shape.description } : {}),
  };
  return Object.freeze(result);
}

/** allOf merges object members; anyOf/oneOf keep a shape only when every branch agrees. */
function combine(parts: Shape[], mode: 'all' | 'any'): Shape {
  if (parts.length === 1) return parts[0] as Shape;
  const objects = parts.filter((part) => part.type === 'object' && !part.repeated);
  if (mode === 'all' && objects.length > 0) {
    const fields = new Map<string, InterfaceField>();
    for (const part of objects) for (const item of part.fields ?? []) fields.set(item.name, item);
    return {
      type: 'object',
      repeated: false,
      fields: [...fields.values()],
      closed: objects.some((part) => part.closed),
    };
  }
  if (mode === 'all') {
    const typed = parts.filter((part) => part.type !== 'any');
    const first = typed[0] ?? parts[0];
    const constraints = Object.assign({}, ...parts.map((part) => part.constraints ?? {}));
    return {
      ...(first as Shape),
      constraints: Object.keys(constraints).length ? constraints : undefined,
    };
  }
  const first = parts[0] as Shape;
  const same = parts.every((part) => part.type === first.type && part.repeated === first.repeated);
  if (!same) return { type: 'any', repeated: parts.every((part) => part.repeated), closed: false };
  if (first.type !== 'object') return { ...first, constraints: undefined };
  // branches of objects: a field is known if any branch lists it, required only if all do
  const fields = new Map<string, InterfaceField>();
  for (const part of parts)
    for (const item of part.fields ?? [])
      if (!fields.has(item.name))
        fields.set(item.name, {
          ...item,
          required: parts.every((p) => p.fields?.some((f) => f.name === item.name && f.required)),
        });
  return {
    type: 'object',
    repeated: first.repeated,
    fields: [...fields.values()],
    closed: parts.every((p) => p.closed),
  };
}
