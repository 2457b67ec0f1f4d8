import type { InterfaceField } from '../interfaces/model.js';
import type { ValidationRules } from './types.js';

/** The rules a target interface field implies: its requiredness, type and constraints. */
export function rulesFromInterface(field: InterfaceField): ValidationRules {
  return {
    ...(field.constraints ?? {}),
    required: field.required,
    ...(field.type !== 'any' ? { type: field.type } : {}),
  };
}
