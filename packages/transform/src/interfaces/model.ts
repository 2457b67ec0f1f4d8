/**
 * The shape every interface (JSON Schema, XSD subset, CSV, fixed-width) is reduced to, so a
 * mapping can be checked against its source and target without knowing their formats. A record
 * is the value one reader yields: for CSV and fixed-width a flat object of columns, for JSON the
 * element or line, for XML the repeating element converted to plain data (see the XML reader's
 * README for how elements, attributes and text become keys).
 */
export type FieldType =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'date' // ISO 8601 calendar date, carried as a string
  | 'datetime' // ISO 8601 date and time, carried as a string
  | 'object'
  | 'array'
  | 'any';

export interface FieldConstraints {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string; // as written in the schema; never compiled by the host regex engine on untrusted input
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly (string | number | boolean | null)[];
}

export interface InterfaceField {
  /** The key the field has in the record (an XML attribute's key included, as the XML reader writes it). */
  readonly name: string;
  readonly type: FieldType;
  readonly required: boolean;
  /** True when the field holds a list (JSON array, XML maxOccurs > 1): the record then carries an array. */
  readonly repeated: boolean;
  /** Children of an object (or of each item of a repeated object). */
  readonly fields?: readonly InterfaceField[];
  /**
   * For an object: false when it may carry keys not in `fields`, true when it may not; absent:
   * as the object holding it (the record's `closed` at the top). (Added with mappings; additive.)
   */
  readonly closed?: boolean;
  readonly constraints?: FieldConstraints;
  readonly description?: string;
}

export type InterfaceFormat = 'json' | 'xml' | 'csv' | 'fixed-width';

export interface RecordInterface {
  readonly format: InterfaceFormat;
  /** The fields of one record. */
  readonly fields: readonly InterfaceField[];
  /** False when the record may carry fields not listed (JSON Schema additionalProperties, xs:any). */
  readonly closed: boolean;
}
