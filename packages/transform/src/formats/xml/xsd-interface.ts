import { TransformError } from '../../errors.js';
import type {
  FieldConstraints,
  FieldType,
  InterfaceField,
  RecordInterface,
} from '../../interfaces/model.js';
import { KeyNamer, resolveNamespaceMap } from './namespaces.js';
import { parseKeyPath } from './reader.js';
import type {
  XsdComplexType,
  XsdElement,
  XsdParticle,
  XsdSchema,
  XsdSimpleType,
  XsdType,
} from './xsd-model.js';
import { scalarKind } from './xsd-types.js';

export interface XmlInterfaceOptions {
  /** The same prefix → namespace URI map the reader gets, so that field names equal record keys. */
  readonly namespaces?: Readonly<Record<string, string>>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type FieldShape = Pick<InterfaceField, 'type' | 'fields' | 'constraints'>;

const MAX_SEARCH_DEPTH = 64;
// A schema can nest types so that the expansion grows exponentially (ten children of a type with
// ten children of a type…, the schema form of billion laughs): both walks have a budget.
export const MAX_INTERFACE_FIELDS = 10_000;
const MAX_SEARCH_VISITS = 100_000;

const tooLarge = (what: string): TransformError => new TransformError('limit_exceeded', what);

/**
 * The RecordInterface of the records readXml yields for `recordElement` of documents valid
 * against `schema`: attributes as `@name` fields, simple content or mixed text as `#text`, child
 * elements by key, `repeated` for maxOccurs > 1 (or inside a repeating group), `required` for
 * minOccurs ≥ 1 outside choices and optional groups. A recursive type stops at its second
 * appearance on a path as an object without listed fields.
 */
export function xmlInterface(
  schema: XsdSchema,
  recordElement: string,
  options?: XmlInterfaceOptions,
): RecordInterface {
  const namespaces = resolveNamespaceMap(options?.namespaces, 'namespaces');
  const path = parseKeyPath(recordElement, 'recordElement', namespaces);
  const namer = new KeyNamer(namespaces);
  const element = findElement(schema, path, namer);
  if (element === undefined) {
    throw new TransformError(
      'invalid_option',
      'recordElement names no element the schema declares',
    );
  }
  const builder = new FieldBuilder(namer);
  const type = element.type;
  if (type.kind === 'simple') {
    return {
      format: 'xml',
      fields: [{ name: '#text', ...scalarShape(type), required: false, repeated: false }],
      closed: true,
    };
  }
  return {
    format: 'xml',
    fields: builder.complexFields(type),
    closed: !type.open && !hasAny(type.content),
  };
}

function findElement(
  schema: XsdSchema,
  path: { steps: readonly string[]; absolute: boolean },
  namer: KeyNamer,
): XsdElement | undefined {
  const keys: string[] = [];
  const onPath = new Set<XsdType>();
  let visits = 0;
  const matches = (): boolean => {
    const { steps, absolute } = path;
    if (absolute ? keys.length !== steps.length : keys.length < steps.length) return false;
    return steps.every((step, i) => keys[keys.length - steps.length + i] === step);
  };
  const visit = (element: XsdElement): XsdElement | undefined => {
    if (++visits > MAX_SEARCH_VISITS) {
      throw tooLarge(
        `searching the schema for recordElement visited more than ${MAX_SEARCH_VISITS} elements`,
      );
    }
    keys.push(namer.key(element.namespace, element.name));
    try {
      if (matches()) return element;
      const type = element.type;
      if (type.kind !== 'complex' || onPath.has(type) || keys.length >= MAX_SEARCH_DEPTH)
        return undefined;
      onPath.add(type);
      const found = visitParticle(type.content);
      onPath.delete(type);
      return found;
    } finally {
      keys.pop();
    }
  };
  const visitParticle = (particle: XsdParticle | undefined): XsdElement | undefined => {
    if (particle === undefined || particle.kind === 'any') return undefined;
    if (particle.kind === 'element') return visit(particle.element);
    for (const child of particle.particles) {
      const found = visitParticle(child);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  for (const element of schema.elements) {
    const found = visit(element);
    if (found !== undefined) return found;
  }
  return undefined;
}

function hasAny(particle: XsdParticle | undefined): boolean {
  if (particle === undefined || particle.kind === 'element') return false;
  return particle.kind === 'any' || particle.particles.some(hasAny);
}

function numeric(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  return value.trim() !== '' && Number.isFinite(number) ? number : undefined;
}

function scalarShape(type: XsdSimpleType): FieldShape {
  const kind = scalarKind(type.builtin);
  const f = type.facets;
  const constraints: Mutable<FieldConstraints> = {};
  const minLength = f.length ?? f.minLength;
  const maxLength = f.length ?? f.maxLength;
  if (minLength !== undefined) constraints.minLength = minLength;
  if (maxLength !== undefined) constraints.maxLength = maxLength;
  if (f.patterns !== undefined) {
    // Patterns of one restriction step are alternatives (XSD); each is kept as written.
    constraints.pattern =
      f.patterns.length === 1 ? f.patterns[0]! : f.patterns.map((p) => `(?:${p})`).join('|');
  }
  if (kind === 'integer' || kind === 'number') {
    // Exclusive bounds become inclusive ones only where that is exact: for integers.
    const step = kind === 'integer' ? 1 : undefined;
    const minExclusive = numeric(f.minExclusive);
    const maxExclusive = numeric(f.maxExclusive);
    const minimum =
      numeric(f.minInclusive) ??
      (step !== undefined && minExclusive !== undefined ? minExclusive + step : undefined);
    const maximum =
      numeric(f.maxInclusive) ??
      (step !== undefined && maxExclusive !== undefined ? maxExclusive - step : undefined);
    if (minimum !== undefined) constraints.minimum = minimum;
    if (maximum !== undefined) constraints.maximum = maximum;
  }
  if (f.enumeration !== undefined) {
    constraints.enum = f.enumeration.map((value) => {
      if (kind === 'integer' || kind === 'number') return numeric(value) ?? value;
      if (kind === 'boolean') return value.trim() === 'true' || value.trim() === '1';
      return value;
    });
  }
  return Object.keys(constraints).length > 0 ? { type: kind, constraints } : { type: kind };
}

class FieldBuilder {
  private readonly expanding = new Set<XsdComplexType>();
  private fields = 0;

  private count(): void {
    if (++this.fields > MAX_INTERFACE_FIELDS) {
      throw tooLarge(`the record's interface would have more than ${MAX_INTERFACE_FIELDS} fields`);
    }
  }

  constructor(private readonly namer: KeyNamer) {}

  complexFields(type: XsdComplexType): InterfaceField[] {
    const fields: InterfaceField[] = [];
    for (const attribute of type.attributes) {
      this.count();
      fields.push({
        name: `@${this.namer.key(attribute.namespace, attribute.name)}`,
        ...scalarShape(attribute.type),
        required: attribute.required,
        repeated: false,
        ...(attribute.description === undefined ? {} : { description: attribute.description }),
      });
    }
    if (type.text !== undefined)
      fields.push({ name: '#text', ...scalarShape(type.text), required: false, repeated: false });
    else if (type.mixed)
      fields.push({ name: '#text', type: 'string', required: false, repeated: false });
    const children = new Map<string, Mutable<InterfaceField>>();
    if (type.content !== undefined) {
      this.expanding.add(type);
      this.collect(type.content, false, false, children);
      this.expanding.delete(type);
    }
    return [...fields, ...children.values()];
  }

  private collect(
    particle: XsdParticle,
    repeated: boolean,
    optional: boolean,
    out: Map<string, Mutable<InterfaceField>>,
  ): void {
    if (particle.kind === 'any') return;
    if (particle.kind === 'element') {
      const element = particle.element;
      const key = this.namer.key(element.namespace, element.name);
      const required = !optional && particle.minOccurs >= 1;
      const existing = out.get(key);
      if (existing !== undefined) {
        // The same element twice in one content model: the record carries a list.
        existing.repeated = true;
        existing.required ||= required;
        return;
      }
      this.count();
      out.set(key, {
        name: key,
        ...this.elementShape(element.type),
        required,
        repeated: repeated || particle.maxOccurs > 1,
        ...(element.description === undefined ? {} : { description: element.description }),
      });
      return;
    }
    const groupRepeated = repeated || particle.maxOccurs > 1;
    const groupOptional =
      optional ||
      particle.minOccurs === 0 ||
      (particle.kind === 'choice' && particle.particles.length > 1);
    for (const child of particle.particles) this.collect(child, groupRepeated, groupOptional, out);
  }

  private elementShape(type: XsdType): FieldShape {
    if (type.kind === 'simple') return scalarShape(type);
    if (type.name === 'anyType') return { type: 'any' as FieldType };
    // Text-only content without attributes reads as a plain value, not an object.
    if (
      type.attributes.length === 0 &&
      type.content === undefined &&
      type.text !== undefined &&
      !type.open
    ) {
      return scalarShape(type.text);
    }
    if (this.expanding.has(type)) return { type: 'object' };
    return { type: 'object', fields: this.complexFields(type) };
  }
}
