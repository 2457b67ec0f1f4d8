export type { ValidationFailure, ValidationRule, ValidationRules } from './types.js';
export {
  compileFieldRules,
  matchesPattern,
  type CompileRulesOptions,
  type FieldCheck,
  type RuleProblem,
} from './rules.js';
export { rulesFromInterface } from './from-interface.js';
