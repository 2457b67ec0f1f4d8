export type {
  FieldConstraints,
  FieldType,
  InterfaceField,
  InterfaceFormat,
  RecordInterface,
} from './model.js';
export {
  DEFAULT_SCHEMA_LIMITS,
  jsonSchemaInterface,
  type JsonSchemaOptions,
} from './json-schema.js';
export { inferJsonInterface, type InferOptions } from './infer.js';
