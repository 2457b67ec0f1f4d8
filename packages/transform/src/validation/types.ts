// Checks of field values: what a target field accepts (its type and the kind of value it
// carries), written in the mapping document or taken from the target interface.
import type { FieldType } from '../interfaces/model.js';

/** Rules on one target field. Every rule that fails is reported, not only the first. */
export interface ValidationRules {
  /** The field must be present and not null. */
  readonly required?: boolean;
  readonly type?: FieldType;
  /** Lengths of strings in characters (code points), of arrays in items. */
  readonly minLength?: number;
  readonly maxLength?: number;
  /** A regular expression (JavaScript syntax without backreferences or lookaround), run by the
   * expression engine's linear-time matcher; unanchored, like JSON Schema's `pattern`. */
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly (string | number | boolean | null)[];
  /** A JSONata predicate: `$` is the field value, `$target` the target object holding the field (fields before this one are set). */
  readonly expression?: string;
  /** Replaces the generated message of the `expression` rule. */
  readonly message?: string;
}

export type ValidationRule =
  | 'required'
  | 'type'
  | 'length'
  | 'pattern'
  | 'range'
  | 'enum'
  | 'expression'
  // failures that are not validation rules but share the failed-records output
  | 'read' // the reader could not read the record
  | 'evaluation' // an expression of the mapping raised an error
  | 'script' // a script failed
  | 'limit'; // a mapping limit (records per source record) was passed

/** Why a record failed. Never carries the value itself: records are business data. */
export interface ValidationFailure {
  /** Where in the mapping document or target record, e.g. `records[0].fields.total`. */
  readonly path: string;
  readonly rule: ValidationRule;
  readonly message: string;
}
