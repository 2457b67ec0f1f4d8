import { randomBytes } from 'node:crypto';
import { CryptoError } from '../errors.js';
import { GCM_TAG_BYTES, openChunk, sealChunk } from '../internal/gcm.js';
import { ByteQueue } from './byte-queue.js';
import {
  DEFAULT_STREAM_CHUNK_SIZE,
  MAX_STREAM_CHUNK_SIZE,
  MIN_STREAM_CHUNK_SIZE,
  STREAM_SALT_BYTES,
  checkDataKey,
  checkKeyId,
  chunkAad,
  chunkNonce,
  encodeHeader,
  parseHeader,
  streamContext,
  type StreamContext,
} from './format.js';

/** The data key a stream is encrypted under, and the opaque id written to its header. */
export interface StreamKey {
  /** Opaque to @weft/crypto (e.g. `org_42/v3`): lets the reader find the DEK. 1…255 UTF-8 bytes. */
  readonly keyId: string;
  /** The 32-byte data key. A per-stream subkey is derived from it; it never encrypts directly. */
  readonly key: Buffer;
}

/**
 * Finds the 32-byte data key a stream header names; may throw UNKNOWN_KEY_VERSION. The id is
 * read before anything is authenticated, so treat it as untrusted input: look it up only among
 * keys the caller may use (e.g. the current organization's), never as a path or query fragment.
 */
export type StreamKeyResolver = (keyId: string) => Buffer | Promise<Buffer>;

export interface EncryptStreamOptions {
  /** Plaintext bytes per chunk, 256 B … 16 MiB. Default 64 KiB. */
  readonly chunkSize?: number;
  /** Bound to every chunk but not stored: the reader must present the same bytes. */
  readonly associatedData?: Buffer;
}

export interface DecryptStreamOptions {
  /** Must equal the `associatedData` the stream was encrypted with. */
  readonly associatedData?: Buffer;
}

/** Push-style encryptor shared by the async-iterable and Transform faces. */
export class StreamSealer {
  private readonly queue = new ByteQueue();
  private readonly context: StreamContext;
  private readonly chunkSize: number;
  private index = 0;
  private finished = false;
  /** Emitted before any chunk. */
  readonly header: Buffer;

  constructor(streamKey: StreamKey, options: EncryptStreamOptions = {}) {
    checkKeyId(streamKey?.keyId);
    checkDataKey(streamKey.key);
    const chunkSize = options.chunkSize ?? DEFAULT_STREAM_CHUNK_SIZE;
    if (
      !Number.isSafeInteger(chunkSize) ||
      chunkSize < MIN_STREAM_CHUNK_SIZE ||
      chunkSize > MAX_STREAM_CHUNK_SIZE
    ) {
      throw new CryptoError('INVALID_INPUT', 'Stream chunk size must be 256 B to 16 MiB');
    }
    checkAssociatedData(options.associatedData);
    const salt = randomBytes(STREAM_SALT_BYTES);
    this.chunkSize = chunkSize;
    this.header = encodeHeader({ chunkSize, keyId: streamKey.keyId, salt });
    this.context = streamContext(streamKey.key, this.header, salt, options.associatedData);
  }

  /**
   * Seals every chunk that is certainly not the last one. A full chunk is held back until one
   * more byte arrives, because only then is it known not to be final.
   */
  push(plaintext: Uint8Array): Buffer[] {
    if (this.finished) throw new CryptoError('INVALID_INPUT', 'Stream already finished');
    this.queue.push(plaintext);
    const sealed: Buffer[] = [];
    while (this.queue.length > this.chunkSize) {
      sealed.push(this.seal(this.queue.take(this.chunkSize), false));
    }
    return sealed;
  }

  /** Seals the final chunk (possibly empty). */
  finish(): Buffer {
    if (this.finished) throw new CryptoError('INVALID_INPUT', 'Stream already finished');
    this.finished = true;
    return this.seal(this.queue.take(this.queue.length), true);
  }

  private seal(plaintext: Buffer, final: boolean): Buffer {
    const nonce = chunkNonce(this.index);
    const aad = chunkAad(this.context.binding, this.index, final);
    this.index += 1;
    return sealChunk(this.context.key, nonce, aad, plaintext);
  }
}

/** Push-style decryptor. `push` and `finish` return only authenticated plaintext. */
export class StreamOpener {
  private readonly queue = new ByteQueue();
  private context: StreamContext | undefined;
  private frameSize = 0;
  private index = 0;
  private failed = false;
  private finished = false;

  constructor(
    private readonly resolveKey: StreamKeyResolver,
    private readonly options: DecryptStreamOptions = {},
  ) {
    if (typeof resolveKey !== 'function') {
      throw new CryptoError('INVALID_INPUT', 'Stream decryption needs a key resolver');
    }
    checkAssociatedData(options.associatedData);
  }

  async push(ciphertext: Uint8Array): Promise<Buffer[]> {
    this.checkUsable();
    this.queue.push(ciphertext);
    return this.guard(async () => {
      if (this.context === undefined && !(await this.readHeader())) return [];
      const plaintext: Buffer[] = [];
      // Strictly more than one frame buffered: the front frame is followed by more, so not final.
      while (this.queue.length > this.frameSize) {
        plaintext.push(this.open(this.queue.take(this.frameSize), false));
      }
      return plaintext;
    });
  }

  async finish(): Promise<Buffer> {
    this.checkUsable();
    this.finished = true;
    return this.guard(async () => {
      if (this.context === undefined && !(await this.readHeader())) {
        throw new CryptoError('MALFORMED_CIPHERTEXT', 'Encrypted stream ends inside its header');
      }
      // Whatever remains must be exactly the final chunk; trailing bytes make its tag fail.
      return this.open(this.queue.take(this.queue.length), true);
    });
  }

  private async readHeader(): Promise<boolean> {
    const parsed = parseHeader(this.queue.peek(Math.min(this.queue.length, 512)));
    if (parsed === undefined) return false;
    const headerBytes = Buffer.from(this.queue.take(parsed.length));
    const dataKey = await this.resolveKey(parsed.header.keyId);
    checkDataKey(dataKey);
    this.context = streamContext(
      dataKey,
      headerBytes,
      parsed.header.salt,
      this.options.associatedData,
    );
    this.frameSize = parsed.header.chunkSize + GCM_TAG_BYTES;
    return true;
  }

  private open(sealed: Buffer, final: boolean): Buffer {
    const context = this.context as StreamContext;
    if (sealed.length < GCM_TAG_BYTES) {
      throw new CryptoError('DECRYPTION_FAILED', 'Encrypted stream is truncated');
    }
    let nonce: Buffer;
    try {
      nonce = chunkNonce(this.index);
    } catch {
      throw new CryptoError('DECRYPTION_FAILED', 'Encrypted stream has too many chunks');
    }
    const aad = chunkAad(context.binding, this.index, final);
    this.index += 1;
    return openChunk(context.key, nonce, aad, sealed);
  }

  /** After one failure the opener is dead: no later call can yield plaintext. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  private checkUsable(): void {
    if (this.failed) throw new CryptoError('DECRYPTION_FAILED', 'Encrypted stream already failed');
    if (this.finished) throw new CryptoError('INVALID_INPUT', 'Stream already finished');
  }
}

function checkAssociatedData(ad: unknown): void {
  if (ad !== undefined && !Buffer.isBuffer(ad)) {
    throw new CryptoError('INVALID_INPUT', 'Stream associated data must be a Buffer');
  }
}
