/** The XSD subset Weft reads, resolved: references are followed, so a recursive schema has cycles. */
export interface XsdSchema {
  readonly targetNamespace: string | undefined;
  /** Global element declarations, in document order. */
  readonly elements: readonly XsdElement[];
  /** Named complex and simple types, by local name (they live in the target namespace). */
  readonly types: ReadonlyMap<string, XsdType>;
}

export interface XsdElement {
  readonly name: string;
  /** The element's namespace: the target namespace when qualified, '' when not. */
  readonly namespace: string;
  readonly type: XsdType;
  readonly description?: string;
}

export interface XsdAttribute {
  readonly name: string;
  readonly namespace: string;
  readonly type: XsdSimpleType;
  readonly required: boolean;
  readonly description?: string;
}

export interface XsdFacets {
  readonly enumeration?: readonly string[];
  readonly length?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** The patterns of the most derived step that has any, as written (XSD regex syntax). */
  readonly patterns?: readonly string[];
  readonly minInclusive?: string;
  readonly maxInclusive?: string;
  readonly minExclusive?: string;
  readonly maxExclusive?: string;
  readonly totalDigits?: number;
  readonly fractionDigits?: number;
}

export interface XsdSimpleType {
  readonly kind: 'simple';
  readonly name?: string;
  /** The XSD built-in type it derives from, e.g. 'string', 'int', 'decimal', 'date' ('string' for lists and unions). */
  readonly builtin: string;
  readonly facets: XsdFacets;
}

export interface XsdComplexType {
  readonly kind: 'complex';
  readonly name?: string;
  readonly attributes: readonly XsdAttribute[];
  /** Element content (sequence, choice, all), or undefined for empty or simple content. */
  readonly content: XsdParticle | undefined;
  /** simpleContent: the type of the text beside the attributes. */
  readonly text: XsdSimpleType | undefined;
  readonly mixed: boolean;
  /** Has xs:any or xs:anyAttribute: instances may carry more than is declared. */
  readonly open: boolean;
}

export type XsdType = XsdSimpleType | XsdComplexType;

export type XsdParticle =
  | {
      readonly kind: 'element';
      /** A local declaration, or the global one an element ref names (shared: occurrence is here). */
      readonly element: XsdElement;
      readonly minOccurs: number;
      /** Infinity for maxOccurs="unbounded". */
      readonly maxOccurs: number;
    }
  | {
      readonly kind: 'sequence' | 'choice' | 'all';
      readonly particles: readonly XsdParticle[];
      readonly minOccurs: number;
      readonly maxOccurs: number;
    }
  | { readonly kind: 'any'; readonly minOccurs: number; readonly maxOccurs: number };
