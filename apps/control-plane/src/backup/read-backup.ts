// Reading a backup object: fetch, parse the header, unwrap the data key, decrypt and
// decompress into frames — all streaming. Every failure is a BackupError with a stable code.
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CryptoError, createDecryptStream, type KeyProvider } from '@weft/crypto';
import { BackupError, storageFailure } from './errors.js';
import {
  PREAMBLE_BYTES,
  backupKeyContext,
  backupObjectKey,
  backupStreamKeyId,
  parseHeaderJson,
  parseObjectPreamble,
  type BackupHeader,
} from './format.js';
import { ByteReader, readFrames, type Frame } from './frames.js';
import type { ResolvedStorage } from './store.js';

export interface OpenedBackup {
  readonly header: BackupHeader;
  /**
   * Authenticated frames. The first chunk has already been decrypted, so the header is known
   * to be genuine; later chunks are checked as they arrive, and the stream is only trustworthy
   * once it has ended without error (load it in a transaction).
   */
  readonly frames: AsyncIterator<Frame>;
  /** Zeroes the data key and drops the S3 connection; safe to call twice. */
  close(): void;
}

/** Fetches `backupId`, authenticates its header with `keyProvider` and starts decrypting. */
export async function openBackup(
  storage: ResolvedStorage,
  backupId: string,
  keyProvider: KeyProvider,
): Promise<OpenedBackup> {
  const key = backupObjectKey(storage.prefix, backupId);
  let body: Readable;
  try {
    const response = await storage.s3.send(
      new GetObjectCommand({ Bucket: storage.bucket, Key: key }),
    );
    body = response.Body as Readable;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if ((error as Error).name === 'NoSuchKey' || status === 404) {
      throw new BackupError(
        'BACKUP_NOT_FOUND',
        `no backup ${backupId} in bucket "${storage.bucket}"`,
      );
    }
    throw storageFailure(`cannot fetch backup ${backupId}`, error);
  }

  let dataKey: Buffer | undefined;
  let plaintext: Readable | undefined;
  const close = (): void => {
    dataKey?.fill(0);
    plaintext?.destroy();
    body.destroy();
  };
  try {
    const reader = new ByteReader(body[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
    const preamble = await readOrClassify(reader, PREAMBLE_BYTES, 'the header');
    const headerLength = parseObjectPreamble(preamble);
    const headerJson = await readOrClassify(reader, headerLength, 'the header');
    const header = parseHeaderJson(headerJson);
    if (header.backupId !== backupId) {
      throw new BackupError(
        'BACKUP_CORRUPT',
        `the object for ${backupId} holds another backup's header`,
      );
    }
    dataKey = await unwrapBackupKey(header, keyProvider);
    const resolvedKey = dataKey;
    const decrypt = createDecryptStream(
      (keyId) => {
        if (keyId !== backupStreamKeyId(backupId)) {
          throw new BackupError('BACKUP_CORRUPT', 'the encrypted stream names another backup');
        }
        return resolvedKey;
      },
      { associatedData: Buffer.concat([preamble, headerJson]) },
    );
    const source = Readable.from(reader.rest(), { objectMode: false });
    // Errors reach the consumer through the last stream; the callback only keeps them handled.
    const handled = (): void => undefined;
    plaintext =
      header.compression === 'gzip'
        ? pipeline(source, decrypt, createGunzip(), handled)
        : pipeline(source, decrypt, handled);
    const frames = classified(readFrames(plaintext));
    // Decrypting the first chunk authenticates the header (it is the stream's associated data)
    // before anything acts on it.
    const first = await frames.next();
    return { header, frames: prepend(first, frames), close };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * Unwraps the data key. The provider decides which KEKs it holds (during a KEK rotation the
 * control plane's provider also unwraps with previous KEKs), so nothing is refused up front.
 * Providers check the named KEK before using it: a wrap that fails to authenticate under a KEK
 * the provider holds means the header was altered; a KEK it does not hold is a key mismatch.
 */
async function unwrapBackupKey(header: BackupHeader, provider: KeyProvider): Promise<Buffer> {
  const wrapped = header.dataKey;
  try {
    return await provider.unwrapDataKey(wrapped, backupKeyContext(header.backupId));
  } catch (error) {
    if (
      CryptoError.is(error) &&
      (error.code === 'DECRYPTION_FAILED' || error.code === 'MALFORMED_CIPHERTEXT')
    ) {
      throw new BackupError(
        'BACKUP_CORRUPT',
        `backup ${header.backupId}: its data key does not authenticate (the header was altered)`,
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    const heldKekId = (provider as { kekId?: unknown }).kekId;
    if (
      wrapped.provider !== provider.id ||
      (typeof heldKekId === 'string' && heldKekId !== wrapped.kekId)
    ) {
      throw new BackupError(
        'BACKUP_KEY_MISMATCH',
        `backup ${header.backupId} was encrypted under ${wrapped.provider} key ${wrapped.kekId}, ` +
          `which the configured key-encryption keys cannot unwrap (${reason})`,
      );
    }
    throw new BackupError(
      'KEY_UNAVAILABLE',
      `cannot unwrap the data key of backup ${header.backupId}: ${reason}`,
    );
  }
}

async function readOrClassify(reader: ByteReader, n: number, what: string): Promise<Buffer> {
  let bytes: Buffer | undefined;
  try {
    bytes = await reader.read(n, what);
  } catch (error) {
    throw classifyReadError(error);
  }
  if (bytes === undefined) throw new BackupError('BACKUP_CORRUPT', 'the backup object is empty');
  return bytes;
}

/** Decryption, decompression and framing failures are corruption; the rest is the store's. */
function classifyReadError(error: unknown): BackupError {
  if (BackupError.is(error)) return error;
  if (CryptoError.is(error)) {
    return new BackupError(
      'BACKUP_CORRUPT',
      `the backup does not decrypt: it was altered or truncated (${error.code})`,
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new BackupError('BACKUP_CORRUPT', 'the backup does not decompress');
  }
  return storageFailure('cannot read the backup object', error);
}

async function* classified(frames: AsyncGenerator<Frame>): AsyncGenerator<Frame> {
  try {
    yield* frames;
  } catch (error) {
    throw classifyReadError(error);
  }
}

async function* prepend(
  first: IteratorResult<Frame>,
  rest: AsyncIterator<Frame>,
): AsyncGenerator<Frame> {
  if (first.done === true) return;
  yield first.value;
  for (;;) {
    const next = await rest.next();
    if (next.done === true) return;
    yield next.value;
  }
}
