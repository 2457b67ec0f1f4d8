export {
  readFixedWidth,
  DEFAULT_FIXED_WIDTH_MAX_LINE_BYTES,
  type FixedWidthReadOptions,
} from './reader.js';
export { writeFixedWidth, type FixedWidthWriteOptions } from './writer.js';
export {
  fixedWidthInterface,
  inferFixedWidthLayout,
  type FixedWidthInference,
} from './interface.js';
export type { FixedWidthField, FixedWidthLayout, FixedWidthRecordTypes } from './layout.js';
