import { TransformError } from '../../errors.js';
import type { XmlNode } from './xml-tree.js';
import type { XsdAttribute, XsdFacets, XsdSimpleType } from './xsd-model.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const malformed = (what: string, node: XmlNode): TransformError =>
  new TransformError('malformed_input', `${what} at line ${node.line}, column ${node.column}`);
const unsupported = (what: string, node: XmlNode): TransformError =>
  new TransformError('unsupported_input', `${what} at line ${node.line}, column ${node.column}`);

/**
 * A simple type derived from `base` by the facets given. Facets of the derived step replace the
 * base's; enumerations and patterns of one step are collected (they are alternatives in XSD).
 */
export function restrictSimple(
  base: XsdSimpleType,
  facetNodes: readonly XmlNode[],
  name: string | undefined,
): XsdSimpleType {
  const facets: Mutable<XsdFacets> = { ...base.facets };
  const enumeration: string[] = [];
  const patterns: string[] = [];
  for (const facet of facetNodes) {
    const value = facet.attributes.get('value');
    if (value === undefined) throw malformed(`xs:${facet.local} without a value`, facet);
    const count = (): number => {
      if (!/^[0-9]{1,9}$/.test(value.trim()))
        throw malformed(`xs:${facet.local} with a value that is not a count`, facet);
      return Number(value.trim());
    };
    switch (facet.local) {
      case 'enumeration':
        enumeration.push(value);
        break;
      case 'pattern':
        patterns.push(value);
        break;
      case 'length':
        facets.length = count();
        break;
      case 'minLength':
        facets.minLength = count();
        break;
      case 'maxLength':
        facets.maxLength = count();
        break;
      case 'totalDigits':
        facets.totalDigits = count();
        break;
      case 'fractionDigits':
        facets.fractionDigits = count();
        break;
      case 'minInclusive':
        facets.minInclusive = value.trim();
        break;
      case 'maxInclusive':
        facets.maxInclusive = value.trim();
        break;
      case 'minExclusive':
        facets.minExclusive = value.trim();
        break;
      case 'maxExclusive':
        facets.maxExclusive = value.trim();
        break;
      case 'whiteSpace':
      case 'assertion':
      case 'explicitTimezone':
        break;
      default:
        throw unsupported(
          `the facet xs:${facet.local}, which is outside the supported subset,`,
          facet,
        );
    }
  }
  if (enumeration.length > 0) facets.enumeration = enumeration;
  if (patterns.length > 0) facets.patterns = patterns;
  return {
    kind: 'simple',
    ...(name === undefined ? {} : { name }),
    builtin: base.builtin,
    facets,
  };
}

/** The attributes a derived type has: its own replace inherited ones of the same name. */
export function mergeAttributes(
  inherited: readonly XsdAttribute[],
  own: readonly XsdAttribute[],
): XsdAttribute[] {
  const merged = inherited.filter(
    (a) => !own.some((o) => o.name === a.name && o.namespace === a.namespace),
  );
  return [...merged, ...own];
}
