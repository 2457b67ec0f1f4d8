// The streaming-encryption face of @weft/crypto; src/index.ts re-exports it.
export { decryptStream, encryptStream } from './iterables.js';
export {
  createDecryptStream,
  createEncryptStream,
  type StreamTransformOptions,
} from './transforms.js';
export type {
  DecryptStreamOptions,
  EncryptStreamOptions,
  StreamKey,
  StreamKeyResolver,
} from './framing.js';
export {
  DEFAULT_STREAM_CHUNK_SIZE,
  MAX_STREAM_CHUNK_SIZE,
  MIN_STREAM_CHUNK_SIZE,
  STREAM_FORMAT_VERSION,
} from './format.js';
