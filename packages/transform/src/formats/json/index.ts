export {
  readJsonArray,
  DEFAULT_JSON_MAX_DEPTH,
  DEFAULT_JSON_MAX_ELEMENT_BYTES,
  type JsonArrayReadOptions,
} from './reader.js';
export { writeJsonArray, type JsonArrayWriteOptions } from './writer.js';
