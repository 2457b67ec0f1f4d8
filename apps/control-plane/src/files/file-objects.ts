import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { decryptStream, encryptStream } from '@weft/crypto';

/** Where file objects live: the control plane's own bucket, never a URL handed to a browser. */
export interface FileStorage {
  s3: S3Client;
  bucket: string;
}

// Opaque to @weft/crypto; a header naming another key is refused before any key is used.
const STREAM_KEY_ID = 'weft-project-file';
const SLICE_BYTES = 1024 * 1024;
const PART_BYTES = 8 * 1024 * 1024;

/** Content-addressed under the organization's prefix: one object per organization and content. */
export function fileObjectKey(orgId: string, sha256: string): string {
  return `orgs/${orgId}/files/${sha256}`;
}

/**
 * Bound into every chunk of the object: a copy under another organization or content id does
 * not decrypt, even with the right key.
 */
function associatedData(orgId: string, sha256: string): Buffer {
  return Buffer.from(`weft project file v1|${orgId}|${sha256}`, 'utf8');
}

function* slices(bytes: Buffer): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) yield bytes.subarray(at, at + SLICE_BYTES);
}

/**
 * Encrypts `bytes` with the object's own data key (chunked AES-256-GCM, @weft/crypto's stream
 * format) straight into S3: multipart for large files, so the ciphertext is never one buffer.
 */
export async function putFileObject(
  storage: FileStorage,
  orgId: string,
  sha256: string,
  dataKey: Buffer,
  bytes: Buffer,
): Promise<void> {
  const sealed = encryptStream(
    slices(bytes),
    { keyId: STREAM_KEY_ID, key: dataKey },
    { associatedData: associatedData(orgId, sha256) },
  );
  const upload = new Upload({
    client: storage.s3,
    params: {
      Bucket: storage.bucket,
      Key: fileObjectKey(orgId, sha256),
      Body: Readable.from(sealed),
      ContentType: 'application/octet-stream',
    },
    partSize: PART_BYTES,
    queueSize: 2,
    leavePartsOnError: false,
  });
  await upload.done();
}

/**
 * The plaintext of an object, chunk by chunk, each authenticated before it is yielded; the end
 * checks the length and the sha256 too, so a wrong or cut object fails (after what was yielded:
 * a reader must discard the output on an error).
 */
export async function* readFileObject(
  storage: FileStorage,
  orgId: string,
  sha256: string,
  dataKey: Buffer,
  size: number,
): AsyncGenerator<Buffer, void, undefined> {
  let body: (AsyncIterable<Uint8Array> & { destroy?(): void }) | undefined;
  try {
    const response = await storage.s3.send(
      new GetObjectCommand({ Bucket: storage.bucket, Key: fileObjectKey(orgId, sha256) }),
    );
    body = response.Body as AsyncIterable<Uint8Array> & { destroy?(): void };
    const hash = createHash('sha256');
    let length = 0;
    const plaintext = decryptStream(
      body,
      (keyId) => {
        if (keyId !== STREAM_KEY_ID) throw new Error('the file object names another key');
        return dataKey;
      },
      { associatedData: associatedData(orgId, sha256) },
    );
    for await (const chunk of plaintext) {
      length += chunk.length;
      hash.update(chunk);
      yield chunk;
    }
    if (length !== size || hash.digest('hex') !== sha256) {
      throw new Error(`file object ${sha256} does not hold the content its id names`);
    }
  } finally {
    dataKey.fill(0);
    // A reader that stops early (a client gone) must not leave the S3 connection open.
    body?.destroy?.();
  }
}

/** The whole plaintext of an object (schemas: at most a few MiB). */
export async function readFileBytes(
  storage: FileStorage,
  orgId: string,
  sha256: string,
  dataKey: Buffer,
  size: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readFileObject(storage, orgId, sha256, dataKey, size)) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export async function deleteFileObject(
  storage: FileStorage,
  orgId: string,
  sha256: string,
): Promise<void> {
  await storage.s3.send(
    new DeleteObjectCommand({ Bucket: storage.bucket, Key: fileObjectKey(orgId, sha256) }),
  );
}
