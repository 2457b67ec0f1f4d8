export { TransformError, type TransformErrorCode } from './errors.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_NDJSON_MAX_DEPTH,
  readNdjson,
  type NdjsonReadOptions,
  type RecordResult,
} from './ndjson-reader.js';
export { writeNdjson } from './ndjson-writer.js';
export {
  compileExpression,
  DEFAULT_LIMITS,
  ExpressionEngine,
  type CompiledExpression,
  type ExpressionFunction,
  type ExpressionOptions,
} from './expression/engine.js';
export {
  ExpressionError,
  isFunctionValue,
  type CallContext,
  type RegexRunner,
  type RegexValue,
} from './expression/contract.js';
export * from './formats/text/index.js';
export * from './formats/csv/index.js';
export * from './formats/fixed-width/index.js';
export * from './formats/json/index.js';
export * from './formats/xml/index.js';
export * from './interfaces/index.js';
export * from './mapping/index.js';
export * from './validation/index.js';
export * from './pipeline/index.js';
export * from './cli/index.js';
export * from './scripts/index.js';
