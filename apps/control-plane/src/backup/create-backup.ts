// Backup: one read-only snapshot → COPY per table → frames → gzip → encrypt → S3 multipart.
// Plaintext never touches disk and memory stays bounded (stream backpressure end to end).
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Upload } from '@aws-sdk/lib-storage';
import {
  CryptoError,
  createEncryptStream,
  generateWrappedDataKey,
  type KeyProvider,
} from '@weft/crypto';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import {
  copyOutStatement,
  readSequences,
  readTables,
  type CatalogTable,
  type SequencePosition,
} from './catalog.js';
import { BackupError, databaseFailure, storageFailure } from './errors.js';
import {
  BACKUP_FORMAT_VERSION,
  backupKeyContext,
  backupObjectKey,
  backupStreamKeyId,
  encodeObjectHeader,
  newBackupId,
  type BackupCompression,
  type BackupHeader,
} from './format.js';
import { FrameType, dataFrames, jsonFrame } from './frames.js';
import {
  resolveStorage,
  type BackupLogger,
  type BackupStorage,
  type ResolvedStorage,
} from './store.js';

export interface CreateBackupOptions extends BackupStorage {
  /** The control plane's database (the role must read every table, bypassing row-level security). */
  readonly databaseUrl: string;
  readonly keyProvider: KeyProvider;
  readonly logger?: BackupLogger;
  /** Default `gzip`. `none` exists for diagnosis and tests. */
  readonly compression?: BackupCompression;
  readonly now?: () => Date;
}

export interface BackupSummary {
  readonly backupId: string;
  readonly key: string;
  readonly createdAt: Date;
  /** Bytes stored. */
  readonly size: number;
  readonly tables: number;
  readonly rows: number;
}

/** S3 multipart part size; with two parts in flight the upload buffers about 16 MiB at most. */
const PART_SIZE = 8 * 1024 * 1024;

export async function createBackup(options: CreateBackupOptions): Promise<BackupSummary> {
  const storage = resolveStorage(options);
  const createdAt = options.now?.() ?? new Date();
  const backupId = newBackupId(createdAt);
  const key = backupObjectKey(storage.prefix, backupId);
  const compression = options.compression ?? 'gzip';
  const started = Date.now();
  options.logger?.info('backup started', { backupId });

  const client = new pg.Client({
    connectionString: options.databaseUrl,
    application_name: 'weft-backup',
  });
  // An idle client's socket error would otherwise be an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await inDatabase('cannot connect to the database to back it up', () => client.connect());
    // One snapshot for every table. row_security off makes a role that RLS would filter fail
    // loudly instead of producing a backup that silently lacks rows.
    const snapshot = await inDatabase('cannot read the database schema', async () => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      await client.query('SET LOCAL row_security = off');
      const migrations = await appliedMigrations(client);
      const tables = await readTables(client);
      const sequences = await readSequences(client);
      const server = (
        await client.query<{ version: string; versionNum: number }>(
          `SELECT current_setting('server_version') AS version,
                  current_setting('server_version_num')::int AS "versionNum"`,
        )
      ).rows[0] as { version: string; versionNum: number };
      return { migrations, tables, sequences, server };
    });

    const { plaintext: dataKey, wrapped } = await generateWrappedDataKey(
      options.keyProvider,
      backupKeyContext(backupId),
    ).catch((error: unknown) => {
      throw new BackupError(
        'KEY_UNAVAILABLE',
        `cannot create the backup's data key: ${CryptoError.is(error) ? error.message : String(error)}`,
      );
    });
    try {
      const header: BackupHeader = {
        format: BACKUP_FORMAT_VERSION,
        backupId,
        createdAt: createdAt.toISOString(),
        server: snapshot.server,
        migrations: snapshot.migrations,
        tables: snapshot.tables.map(({ name, copyFormat, columns }) => ({
          name,
          copyFormat,
          columns,
        })),
        compression,
        dataKey: wrapped,
      };
      const headerBytes = encodeObjectHeader(header);
      const encrypt = createEncryptStream(
        { key: dataKey, keyId: backupStreamKeyId(backupId) },
        { associatedData: headerBytes },
      );
      const totals = { rows: 0 };
      // Byte mode, so the read-ahead is bounded in bytes rather than in chunks.
      const frames = Readable.from(
        backupFrames(client, snapshot.tables, snapshot.sequences, totals),
        { objectMode: false },
      );
      const stages = compression === 'gzip' ? [frames, createGzip(), encrypt] : [frames, encrypt];
      const size = await upload(storage, key, headerBytes, stages);
      // The object is complete; ending a read-only transaction cannot change that.
      await client.query('COMMIT').catch(() => undefined);
      const summary = {
        backupId,
        key,
        createdAt,
        size,
        tables: snapshot.tables.length,
        rows: totals.rows,
      };
      options.logger?.info('backup completed', {
        backupId,
        size,
        tables: summary.tables,
        rows: summary.rows,
        durationMs: Date.now() - started,
      });
      return summary;
    } finally {
      dataKey.fill(0);
    }
  } catch (error) {
    const failure = BackupError.is(error) ? error : databaseFailure('backup failed', error);
    options.logger?.error('backup failed', {
      backupId,
      code: failure.code,
      reason: failure.message,
    });
    throw failure;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function appliedMigrations(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ present: boolean }>(
    `SELECT to_regclass('public.schema_migrations') IS NOT NULL AS present`,
  );
  if (rows[0]?.present !== true) {
    throw new BackupError(
      'SCHEMA_UNSUPPORTED',
      'the database has no schema_migrations table: run "weft-control-plane migrate" first',
    );
  }
  return (
    await client.query<{ name: string }>(`SELECT name FROM public.schema_migrations ORDER BY id`)
  ).rows.map((r) => r.name);
}

async function inDatabase<T>(action: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw databaseFailure(action, error);
  }
}

/** The plaintext frame sequence; `totals.rows` is complete once the generator is. */
async function* backupFrames(
  client: pg.Client,
  tables: readonly CatalogTable[],
  sequences: readonly SequencePosition[],
  totals: { rows: number },
): AsyncGenerator<Buffer> {
  for (const table of tables) {
    yield* jsonFrame(FrameType.TableStart, { table: table.name });
    const copy = copyTo(copyOutStatement(table));
    const rows = rowCountOf(copy);
    client.query(copy);
    try {
      for await (const chunk of copy as AsyncIterable<Buffer>) yield* dataFrames(chunk);
    } catch (error) {
      throw databaseFailure(`cannot copy table ${table.name}`, error);
    }
    const count = await rows;
    totals.rows += count;
    yield* jsonFrame(FrameType.TableEnd, { rows: count });
  }
  yield* jsonFrame(FrameType.Sequences, sequences);
  yield* jsonFrame(FrameType.End, { tables: tables.length, rows: totals.rows });
}

/**
 * COPY TO's row count arrives in CommandComplete, which can be parsed after the stream has
 * ended; ReadyForQuery (pg's Submittable protocol) is the point where it is certainly known.
 */
function rowCountOf(copy: ReturnType<typeof copyTo>): Promise<number> {
  const submittable = copy as unknown as { handleReadyForQuery(...args: unknown[]): void };
  const original = submittable.handleReadyForQuery.bind(copy);
  const counted = new Promise<number>((resolve, reject) => {
    submittable.handleReadyForQuery = (...args: unknown[]) => {
      original(...args);
      resolve(copy.rowCount);
    };
    copy.once('error', reject);
  });
  counted.catch(() => undefined); // the for-await over `copy` reports the same error
  return counted;
}

/** Streams header ‖ encrypted body to S3; resolves with the object's size once it is complete. */
async function upload(
  storage: ResolvedStorage,
  key: string,
  headerBytes: Buffer,
  stages: Array<Readable | Transform>,
): Promise<number> {
  let size = headerBytes.length;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      size += chunk.length;
      done(null, chunk);
    },
  });
  const body = new PassThrough();
  body.write(headerBytes);
  const uploader = new Upload({
    client: storage.s3,
    params: {
      Bucket: storage.bucket,
      Key: key,
      Body: body,
      ContentType: 'application/octet-stream',
    },
    partSize: PART_SIZE,
    queueSize: 2,
    leavePartsOnError: false,
  });
  // Whichever side fails first is the cause; the other is stopped (an abandoned multipart
  // upload is aborted by lib-storage, so no partial object ever appears under the key).
  let cause: BackupError | undefined;
  const producing = pipeline([...stages, counter, body]).catch((error: unknown) => {
    cause ??= BackupError.is(error)
      ? error
      : CryptoError.is(error)
        ? new BackupError('KEY_UNAVAILABLE', `backup encryption failed: ${error.message}`)
        : databaseFailure('backup stream failed', error);
    void uploader.abort().catch(() => undefined);
  });
  const uploading = uploader.done().catch((error: unknown) => {
    cause ??= storageFailure(`cannot upload backup to bucket "${storage.bucket}"`, error);
    body.destroy(cause);
  });
  await Promise.all([producing, uploading]);
  if (cause) throw cause;
  return size;
}
