import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import {
  StreamOpener,
  StreamSealer,
  type DecryptStreamOptions,
  type EncryptStreamOptions,
  type StreamKey,
  type StreamKeyResolver,
} from './framing.js';

/** Only flow control may be tuned; the byte-mode settings are fixed by the format. */
export type StreamTransformOptions = Pick<TransformOptions, 'highWaterMark' | 'signal'>;

/**
 * `encryptStream` as a Node Transform for `stream.pipeline`, e.g.
 * `pipeline(pgDump.stdout, createEncryptStream(key), upload)`. Throws synchronously on a bad
 * key or option.
 */
export function createEncryptStream(
  key: StreamKey,
  options?: EncryptStreamOptions,
  streamOptions?: StreamTransformOptions,
): Transform {
  const sealer = new StreamSealer(key, options);
  let headerSent = false;
  return new Transform({
    ...streamOptions,
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      try {
        if (!headerSent) {
          headerSent = true;
          this.push(sealer.header);
        }
        for (const sealed of sealer.push(chunk)) this.push(sealed);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (!headerSent) this.push(sealer.header);
        done(null, sealer.finish());
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

/**
 * `decryptStream` as a Node Transform. Pushes only authenticated chunks, but the pipeline's
 * success is what vouches for the whole: on error, discard everything already written.
 */
export function createDecryptStream(
  resolveKey: StreamKeyResolver,
  options?: DecryptStreamOptions,
  streamOptions?: StreamTransformOptions,
): Transform {
  const opener = new StreamOpener(resolveKey, options);
  return new Transform({
    ...streamOptions,
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      opener.push(chunk).then(
        (plaintext) => {
          for (const part of plaintext) if (part.length > 0) this.push(part);
          done();
        },
        (error: Error) => done(error),
      );
    },
    flush(done: TransformCallback) {
      opener.finish().then(
        (last) => done(null, last.length > 0 ? last : undefined),
        (error: Error) => done(error),
      );
    },
  });
}
