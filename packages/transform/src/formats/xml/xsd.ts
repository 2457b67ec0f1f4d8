import { TransformError } from '../../errors.js';
import { shortName } from '../../internal/short-name.js';
import { parseXmlTree, resolveQNameValue, type XmlNode } from './xml-tree.js';
import type {
  XsdAttribute,
  XsdComplexType,
  XsdElement,
  XsdParticle,
  XsdSchema,
  XsdSimpleType,
  XsdType,
} from './xsd-model.js';
import { mergeAttributes, restrictSimple } from './xsd-facets.js';
import { anyType, BUILTIN_NAMES, builtinSimpleType, XS } from './xsd-types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const at = (node: XmlNode): string => `at line ${node.line}, column ${node.column}`;
const malformed = (what: string, node: XmlNode): TransformError =>
  new TransformError('malformed_input', `${what} ${at(node)}`);
const unsupported = (what: string, node: XmlNode): TransformError =>
  new TransformError('unsupported_input', `${what} ${at(node)}`);

/**
 * Parses an XML Schema (the subset in the README: elements, attributes, complex types with
 * sequence/choice/all, simple content, extension, simple type restrictions, occurrence, named and
 * anonymous types, element refs) with the XML reader's tokenizer — so a DOCTYPE is refused — and
 * resolves every reference within the document. xs:import, xs:include, xs:redefine and
 * xs:override are unsupported_input: other schema documents are never fetched or opened.
 */
export function parseXsd(text: string): XsdSchema {
  if (typeof text !== 'string')
    throw new TransformError('invalid_source', 'parseXsd needs the schema text as a string');
  const root = parseXmlTree(text);
  if (root.uri !== XS || root.local !== 'schema')
    throw malformed('the document element is not xs:schema', root);
  return new SchemaReader(root).read();
}

class SchemaReader {
  private readonly targetNamespace: string | undefined;
  private readonly elementsQualified: boolean;
  private readonly attributesQualified: boolean;
  private readonly globalElements = new Map<string, XmlNode>();
  private readonly globalAttributes = new Map<string, XmlNode>();
  private readonly namedTypes = new Map<string, XmlNode>();
  private readonly elementMemo = new Map<XmlNode, XsdElement>();
  private readonly typeMemo = new Map<XmlNode, XsdType>();
  // Simple types being derived: one met again is a cycle (A restricts B restricts A), which
  // would otherwise recurse until the stack runs out.
  private readonly simpleInProgress = new Set<XmlNode>();

  constructor(private readonly root: XmlNode) {
    this.targetNamespace = root.attributes.get('targetNamespace');
    this.elementsQualified = root.attributes.get('elementFormDefault') === 'qualified';
    this.attributesQualified = root.attributes.get('attributeFormDefault') === 'qualified';
  }

  read(): XsdSchema {
    for (const child of this.xsChildren(this.root)) {
      const register = (map: Map<string, XmlNode>, what: string): void => {
        const name = this.requiredName(child);
        if (map.has(name)) throw malformed(`a second global ${what} with the same name`, child);
        map.set(name, child);
      };
      switch (child.local) {
        case 'element':
          register(this.globalElements, 'element');
          break;
        case 'attribute':
          register(this.globalAttributes, 'attribute');
          break;
        case 'complexType':
        case 'simpleType':
          register(this.namedTypes, 'type');
          break;
        case 'import':
        case 'include':
        case 'redefine':
        case 'override':
          throw unsupported(
            `xs:${child.local} (other schema documents are never fetched or opened)`,
            child,
          );
        case 'notation':
          break;
        default:
          throw unsupported(`xs:${child.local}, which is outside the supported XSD subset,`, child);
      }
    }
    const elements = [...this.globalElements.values()].map((node) => this.globalElement(node));
    const types = new Map<string, XsdType>();
    for (const [name, node] of this.namedTypes) types.set(name, this.type(node, name));
    return { targetNamespace: this.targetNamespace, elements, types };
  }

  /** The xs: children of a schema component, without annotations; anything else is refused. */
  private xsChildren(node: XmlNode): XmlNode[] {
    const children: XmlNode[] = [];
    for (const child of node.children) {
      if (child.uri !== XS) throw malformed('an element outside the XML Schema namespace', child);
      if (child.local !== 'annotation') children.push(child);
    }
    return children;
  }

  private requiredName(node: XmlNode): string {
    const name = node.attributes.get('name');
    if (name === undefined || name.trim() === '')
      throw malformed(`xs:${node.local} without a name`, node);
    return name.trim();
  }

  private description(node: XmlNode): { description?: string } {
    const annotation = node.children.find((c) => c.uri === XS && c.local === 'annotation');
    const documentation = annotation?.children.find(
      (c) => c.uri === XS && c.local === 'documentation',
    );
    const text = documentation?.text.replace(/\s+/g, ' ').trim().slice(0, 500);
    return text ? { description: text } : {};
  }

  private ownNamespace(qualified: boolean): string {
    return qualified ? (this.targetNamespace ?? '') : '';
  }

  private occurs(node: XmlNode): { minOccurs: number; maxOccurs: number } {
    const parse = (value: string | undefined, fallback: number, unbounded: boolean): number => {
      if (value === undefined) return fallback;
      const trimmed = value.trim();
      if (unbounded && trimmed === 'unbounded') return Number.POSITIVE_INFINITY;
      if (!/^[0-9]{1,9}$/.test(trimmed)) throw malformed('an invalid minOccurs or maxOccurs', node);
      return Number(trimmed);
    };
    const minOccurs = parse(node.attributes.get('minOccurs'), 1, false);
    const maxOccurs = parse(node.attributes.get('maxOccurs'), 1, true);
    if (maxOccurs < minOccurs) throw malformed('maxOccurs below minOccurs', node);
    return { minOccurs, maxOccurs };
  }

  private globalElement(node: XmlNode): XsdElement {
    const known = this.elementMemo.get(node);
    if (known !== undefined) return known;
    const element: Mutable<XsdElement> = {
      name: this.requiredName(node),
      namespace: this.targetNamespace ?? '',
      type: anyType(), // replaced below; registered first so that recursive refs find it
      ...this.description(node),
    };
    this.elementMemo.set(node, element);
    element.type = this.elementType(node);
    return element;
  }

  private elementParticle(node: XmlNode): XsdParticle {
    const occurs = this.occurs(node);
    const ref = node.attributes.get('ref');
    if (ref !== undefined) {
      const name = resolveQNameValue(node, ref);
      const target =
        name.uri === (this.targetNamespace ?? '') ? this.globalElements.get(name.local) : undefined;
      if (target === undefined)
        throw malformed(
          `an element ref to "${name.local}", which this schema does not declare,`,
          node,
        );
      return { kind: 'element', element: this.globalElement(target), ...occurs };
    }
    const form = node.attributes.get('form');
    const element: XsdElement = {
      name: this.requiredName(node),
      namespace: this.ownNamespace(
        form === undefined ? this.elementsQualified : form === 'qualified',
      ),
      type: this.elementType(node),
      ...this.description(node),
    };
    return { kind: 'element', element, ...occurs };
  }

  private elementType(node: XmlNode): XsdType {
    const typeName = node.attributes.get('type');
    if (typeName !== undefined) return this.typeReference(node, typeName);
    const anonymous = this.xsChildren(node).find(
      (c) => c.local === 'complexType' || c.local === 'simpleType',
    );
    return anonymous === undefined ? anyType() : this.type(anonymous, undefined);
  }

  private typeReference(node: XmlNode, value: string): XsdType {
    const name = resolveQNameValue(node, value);
    if (name.uri === XS) {
      if (name.local === 'anyType') return anyType();
      if (!BUILTIN_NAMES.has(name.local))
        throw unsupported(
          `the built-in type xs:${name.local}, which is outside the supported subset,`,
          node,
        );
      return builtinSimpleType(name.local);
    }
    const target =
      name.uri === (this.targetNamespace ?? '') ? this.namedTypes.get(name.local) : undefined;
    if (target === undefined)
      throw malformed(
        `a reference to type "${name.local}", which this schema does not define,`,
        node,
      );
    return this.type(target, name.local);
  }

  private simpleReference(node: XmlNode, value: string): XsdSimpleType {
    const type = this.typeReference(node, value);
    if (type.kind !== 'simple')
      throw malformed('a complex type where a simple type is needed', node);
    return type;
  }

  private type(node: XmlNode, name: string | undefined): XsdType {
    const known = this.typeMemo.get(node);
    if (known !== undefined) return known;
    if (node.local === 'simpleType') {
      if (this.simpleInProgress.has(node))
        throw malformed(`circular type derivation: ${shortName(name ?? '(anonymous)')}`, node);
      this.simpleInProgress.add(node);
      try {
        const simple = this.simpleType(node, name);
        this.typeMemo.set(node, simple);
        return simple;
      } finally {
        this.simpleInProgress.delete(node);
      }
    }
    const complex: Mutable<XsdComplexType> = {
      kind: 'complex',
      ...(name === undefined ? {} : { name }),
      attributes: [],
      content: undefined,
      text: undefined,
      mixed: node.attributes.get('mixed') === 'true',
      open: false,
    };
    this.typeMemo.set(node, complex); // before the body, so that recursive types resolve to this object
    this.complexBody(node, complex);
    return complex;
  }

  private complexBody(node: XmlNode, complex: Mutable<XsdComplexType>): void {
    const attributes: XsdAttribute[] = [];
    for (const child of this.xsChildren(node)) {
      switch (child.local) {
        case 'sequence':
        case 'choice':
        case 'all':
          complex.content = this.group(child);
          break;
        case 'attribute': {
          const attribute = this.attribute(child);
          if (attribute !== undefined) attributes.push(attribute);
          break;
        }
        case 'anyAttribute':
          complex.open = true;
          break;
        case 'simpleContent':
        case 'complexContent':
          this.derivedContent(child, complex, attributes);
          break;
        default:
          throw unsupported(
            `xs:${child.local} in a complex type, which is outside the supported subset,`,
            child,
          );
      }
    }
    complex.attributes = mergeAttributes(complex.attributes, attributes);
  }

  private derivedContent(
    node: XmlNode,
    complex: Mutable<XsdComplexType>,
    attributes: XsdAttribute[],
  ): void {
    const derivation = this.xsChildren(node).find(
      (c) => c.local === 'extension' || c.local === 'restriction',
    );
    const baseName = derivation?.attributes.get('base');
    if (derivation === undefined || baseName === undefined)
      throw malformed(`xs:${node.local} without an extension or restriction base`, node);
    const base = this.typeReference(derivation, baseName);
    if (node.attributes.get('mixed') === 'true') complex.mixed = true;
    if (base.kind === 'complex') {
      complex.attributes = [...base.attributes];
      complex.open ||= base.open;
      complex.mixed ||= base.mixed && derivation.local === 'extension';
      if (node.local === 'simpleContent') complex.text = base.text;
      else if (derivation.local === 'extension') complex.content = base.content;
    } else if (node.local === 'simpleContent') {
      complex.text = base;
    } else {
      throw malformed('complexContent derived from a simple type', derivation);
    }
    const facetNodes: XmlNode[] = [];
    for (const child of this.xsChildren(derivation)) {
      if (child.local === 'attribute') {
        const attribute = this.attribute(child);
        if (attribute !== undefined) attributes.push(attribute);
        else
          complex.attributes = complex.attributes.filter(
            (a) => a.name !== child.attributes.get('name'),
          );
      } else if (child.local === 'anyAttribute') {
        complex.open = true;
      } else if (child.local === 'sequence' || child.local === 'choice' || child.local === 'all') {
        const own = this.group(child);
        complex.content =
          complex.content === undefined
            ? own
            : { kind: 'sequence', particles: [complex.content, own], minOccurs: 1, maxOccurs: 1 };
      } else if (
        node.local === 'simpleContent' &&
        derivation.local === 'restriction' &&
        child.local !== 'simpleType'
      ) {
        facetNodes.push(child);
      } else if (child.local !== 'simpleType') {
        throw unsupported(
          `xs:${child.local} in a derivation, which is outside the supported subset,`,
          child,
        );
      }
    }
    if (facetNodes.length > 0 && complex.text !== undefined) {
      complex.text = restrictSimple(complex.text, facetNodes, undefined);
    }
  }

  private group(node: XmlNode): XsdParticle {
    const particles: XsdParticle[] = [];
    for (const child of this.xsChildren(node)) {
      if (child.local === 'element') particles.push(this.elementParticle(child));
      else if (child.local === 'sequence' || child.local === 'choice')
        particles.push(this.group(child));
      else if (child.local === 'any') particles.push({ kind: 'any', ...this.occurs(child) });
      else
        throw unsupported(
          `xs:${child.local} in a model group, which is outside the supported subset,`,
          child,
        );
    }
    return { kind: node.local as 'sequence' | 'choice' | 'all', particles, ...this.occurs(node) };
  }

  /** undefined for use="prohibited". */
  private attribute(node: XmlNode): XsdAttribute | undefined {
    const use = node.attributes.get('use') ?? 'optional';
    if (use === 'prohibited') return undefined;
    const required = use === 'required';
    const ref = node.attributes.get('ref');
    if (ref !== undefined) {
      const name = resolveQNameValue(node, ref);
      const target =
        name.uri === (this.targetNamespace ?? '')
          ? this.globalAttributes.get(name.local)
          : undefined;
      if (target === undefined)
        throw malformed(
          `an attribute ref to "${name.local}", which this schema does not declare,`,
          node,
        );
      return { ...this.attributeDeclaration(target, this.targetNamespace ?? ''), required };
    }
    const form = node.attributes.get('form');
    const namespace = this.ownNamespace(
      form === undefined ? this.attributesQualified : form === 'qualified',
    );
    return { ...this.attributeDeclaration(node, namespace), required };
  }

  private attributeDeclaration(node: XmlNode, namespace: string): XsdAttribute {
    const typeName = node.attributes.get('type');
    const anonymous = this.xsChildren(node).find((c) => c.local === 'simpleType');
    const type =
      typeName !== undefined
        ? this.simpleReference(node, typeName)
        : anonymous !== undefined
          ? this.simpleType(anonymous, undefined)
          : builtinSimpleType('string');
    return {
      name: this.requiredName(node),
      namespace,
      type,
      required: false,
      ...this.description(node),
    };
  }

  private simpleType(node: XmlNode, name: string | undefined): XsdSimpleType {
    const body = this.xsChildren(node)[0];
    if (body === undefined) throw malformed('an empty xs:simpleType', node);
    if (body.local === 'list' || body.local === 'union')
      return {
        kind: 'simple',
        ...(name === undefined ? {} : { name }),
        builtin: 'string',
        facets: {},
      };
    if (body.local !== 'restriction')
      throw unsupported(
        `xs:${body.local} in a simple type, which is outside the supported subset,`,
        body,
      );
    const baseName = body.attributes.get('base');
    const children = this.xsChildren(body);
    const anonymousBase = children.find((c) => c.local === 'simpleType');
    const base =
      baseName !== undefined
        ? this.simpleReference(body, baseName)
        : anonymousBase !== undefined
          ? this.simpleType(anonymousBase, undefined)
          : undefined;
    if (base === undefined) throw malformed('a restriction without a base', body);
    return restrictSimple(
      base,
      children.filter((c) => c !== anonymousBase),
      name,
    );
  }
}
