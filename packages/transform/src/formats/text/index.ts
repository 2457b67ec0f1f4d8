export {
  decodeText,
  encodeText,
  type DecodeTextOptions,
  type EncodeTextOptions,
  type TextEncodingName,
} from './decoding.js';
