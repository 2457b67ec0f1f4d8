import type { InterfaceField } from '../../interfaces/model.js';

const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INTEGER = /^[+-]?[0-9]+$/;

/** A value that does not fit its interface type; the reader fails the record with this reason. */
export class TypedValueProblem {
  constructor(readonly message: string) {}
}

/**
 * Text as the interface field types it. Without a field, or for string-like types, the text is
 * returned unchanged. For number, integer and boolean, surrounding whitespace is dropped (XSD
 * "collapse") and empty content is null.
 */
export function typedText(field: InterfaceField | undefined, text: string): unknown {
  switch (field?.type) {
    case 'number': {
      const trimmed = text.trim();
      if (trimmed === '') return null;
      if (!NUMBER.test(trimmed)) return new TypedValueProblem('is not a number');
      const value = Number(trimmed) + 0; // + 0 turns -0 into 0
      return Number.isFinite(value) ? value : new TypedValueProblem('is a number out of range');
    }
    case 'integer': {
      const trimmed = text.trim();
      if (trimmed === '') return null;
      if (!INTEGER.test(trimmed)) return new TypedValueProblem('is not an integer');
      const value = Number(trimmed) + 0;
      if (!Number.isSafeInteger(value)) {
        return new TypedValueProblem('is an integer too large to be represented exactly');
      }
      return value;
    }
    case 'boolean': {
      const trimmed = text.trim();
      if (trimmed === '') return null;
      if (trimmed === 'true' || trimmed === '1') return true;
      if (trimmed === 'false' || trimmed === '0') return false;
      return new TypedValueProblem('is not a boolean (true, false, 1 or 0)');
    }
    case 'date':
    case 'datetime':
      return text.trim();
    default:
      return text;
  }
}
