export { TransformError, type TransformErrorCode } from './errors.js';
export {
  DEFAULT_MAX_LINE_BYTES,
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
