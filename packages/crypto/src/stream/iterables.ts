import {
  StreamOpener,
  StreamSealer,
  type DecryptStreamOptions,
  type EncryptStreamOptions,
  type StreamKey,
  type StreamKeyResolver,
} from './framing.js';

type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * Encrypts a byte stream in constant memory: header, then one AES-256-GCM chunk per
 * `chunkSize` plaintext bytes, the last one flagged final. Input chunk boundaries do not
 * matter. Validation errors (bad key, chunk size) are thrown by the first `next()`.
 */
export async function* encryptStream(
  source: ByteSource,
  key: StreamKey,
  options?: EncryptStreamOptions,
): AsyncGenerator<Buffer, void, undefined> {
  const sealer = new StreamSealer(key, options);
  yield sealer.header;
  for await (const plaintext of source) {
    yield* sealer.push(plaintext);
  }
  yield sealer.finish();
}

/**
 * Decrypts a stream made by `encryptStream`. Each yielded chunk was authenticated before it
 * was yielded, but a stream can still turn out truncated after earlier chunks were yielded:
 * treat the output as untrusted until the iteration completes without throwing (e.g. restore
 * into an empty database and abort on error).
 */
export async function* decryptStream(
  source: ByteSource,
  resolveKey: StreamKeyResolver,
  options?: DecryptStreamOptions,
): AsyncGenerator<Buffer, void, undefined> {
  const opener = new StreamOpener(resolveKey, options);
  for await (const ciphertext of source) {
    for (const plaintext of await opener.push(ciphertext)) {
      if (plaintext.length > 0) yield plaintext;
    }
  }
  const last = await opener.finish();
  if (last.length > 0) yield last;
}
