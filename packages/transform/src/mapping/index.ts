export { compileMapping, DEFAULT_MAX_RECORDS_PER_SOURCE } from './compile.js';
export { parseMappingDocument, type ParseMappingOptions } from './document.js';
export { MappingError, type MappingErrorCode, type MappingProblem } from './errors.js';
export { MAX_RUN_VARIABLE_LENGTH } from './run-functions.js';
export {
  MAX_OPERATION_LOG_MESSAGE_LENGTH,
  type OperationLogSink,
} from '../internal/operation-log.js';
export { sandboxedScripts, type SandboxedScripts } from './sandboxed-scripts.js';
export type {
  ApplyResult,
  CompiledMapping,
  CompileMappingOptions,
  ErrorPolicy,
  FieldNode,
  InterfaceRef,
  LookupTable,
  MappingDocument,
  RecordRule,
  RunContext,
  RunContextOptions,
  ScriptDefinition,
  ScriptRunner,
  TargetRecordNode,
} from './types.js';
