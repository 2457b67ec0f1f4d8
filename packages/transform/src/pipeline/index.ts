export {
  runTransform,
  type FailedRecord,
  type RecordSink,
  type RunTransformOptions,
  type TransformCounts,
} from './run.js';
export {
  availableFormats,
  FORMAT_NAMES,
  formatOfFile,
  getFormat,
  isFormatName,
  type FormatHandler,
  type FormatName,
  type FormatOptions,
  XML_WRITE_DEFAULTS,
} from './formats.js';
export { streamSink, type FormatWriter } from './sinks.js';
export {
  TEST_MODE_MAX_INPUT_BYTES,
  TEST_MODE_MAX_OUTPUT_BYTES,
  TEST_MODE_TIME_BUDGET_MS,
  testTransform,
  type TestTransformOptions,
  type TestTransformResult,
} from './test-mode.js';
