import type { IncomingMessage } from 'node:http';
import { FilesError } from './files-error.js';

/** Bytes of uploads one control plane holds in memory at once (a schema is checked whole). */
export const MAX_BUFFERED_UPLOAD_BYTES = 200 * 1024 * 1024;

/**
 * A process-wide budget for upload bodies: each upload reserves what it may hold (its declared
 * length, or its kind's limit) before reading, so many concurrent uploads cannot exhaust memory.
 */
export class UploadBudget {
  #reserved = 0;

  constructor(private readonly capacity: number) {}

  /** Reserves `bytes`, or refuses (429 UPLOADS_BUSY); call the returned function when done. */
  reserve(bytes: number): () => void {
    if (this.#reserved + bytes > this.capacity) {
      throw new FilesError(
        'UPLOADS_BUSY',
        'too many uploads in progress on this control plane; retry shortly',
      );
    }
    this.#reserved += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#reserved -= bytes;
    };
  }
}

/** The length a request declares, or undefined when it is sent in chunks. */
export function declaredLength(request: IncomingMessage): number | undefined {
  const header = request.headers['content-length'];
  return header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}

/**
 * Reads an upload's raw body, counting as it arrives: refused before reading when the declared
 * length is over `limit`, and as soon as the bytes pass it otherwise (413, nothing kept). Only
 * `application/octet-stream`, never compressed, so the limit is what is stored.
 */
export async function readUploadBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const type = request.headers['content-type'];
  if (
    type === undefined ||
    type.split(';')[0]?.trim().toLowerCase() !== 'application/octet-stream'
  ) {
    throw new FilesError(
      'UNSUPPORTED_MEDIA_TYPE',
      'send the file as the raw request body with Content-Type: application/octet-stream',
      'body',
    );
  }
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw new FilesError(
      'UNSUPPORTED_MEDIA_TYPE',
      'send the file uncompressed (no Content-Encoding)',
      'body',
    );
  }
  const tooLarge = () =>
    new FilesError('FILE_TOO_LARGE', `the file is larger than ${limit} bytes`, 'body');
  if ((declaredLength(request) ?? 0) > limit) throw tooLarge();
  if (request.readableEnded) throw new FilesError('FILE_INVALID', 'the body was already read');
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      if (error === undefined) return resolve(Buffer.concat(chunks, size));
      // Stop reading: what was read is dropped, the rest is never read (the caller closes).
      request.pause();
      chunks.length = 0;
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish();
    // The client went away: nothing to store, and nothing wrong here worth a 500.
    const cutOff = () => new FilesError('FILE_INVALID', 'the upload was cut off', 'body');
    const onError = (): void => finish(cutOff());
    const onClose = (): void => {
      if (!request.complete) finish(cutOff());
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
