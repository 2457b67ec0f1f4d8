export { TransformError, type TransformErrorCode } from './errors.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  readNdjson,
  type NdjsonReadOptions,
  type RecordResult,
} from './ndjson-reader.js';
export { writeNdjson } from './ndjson-writer.js';
