import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  ConnectorError,
  type ConnectorContext,
  type ConnectorRecord,
  type WriteSummary,
} from '@weft/connector-sdk';
import { TransformError } from '@weft/transform';
import { batchParsed, parseRecords, RecordCounter, serializeRecords } from '../internal/formats.js';
import { throwIfCancelled } from '../internal/run.js';
import type { S3Config } from './config.js';
import { createS3Client, toS3Error } from './client.js';

const EXTENSIONS = { ndjson: 'ndjson', json: 'json', csv: 'csv' } as const;
const CONTENT_TYPES = {
  ndjson: 'application/x-ndjson',
  json: 'application/json',
  csv: 'text/csv',
} as const;

/** The objects to read, in key order: the one `key`, or every object under `prefix` (paged). */
async function* objectKeys(
  client: S3Client,
  config: S3Config,
  signal: AbortSignal,
): AsyncGenerator<string> {
  if (config.key !== undefined) {
    yield config.key;
    return;
  }
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: config.bucket,
        Prefix: config.prefix ?? '',
        ContinuationToken: token,
      }),
      { abortSignal: signal },
    );
    for (const object of page.Contents ?? []) {
      // "Folder" markers hold no records.
      if (object.Key !== undefined && !object.Key.endsWith('/')) yield object.Key;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** Streams every object's records in batches; one object is open at a time. */
export async function* readS3(
  config: S3Config,
  ctx: ConnectorContext,
): AsyncGenerator<ConnectorRecord[]> {
  throwIfCancelled(ctx.signal);
  const { client, close } = await createS3Client(config, ctx);
  let during = 'list';
  try {
    for await (const key of objectKeys(client, config, ctx.signal)) {
      throwIfCancelled(ctx.signal);
      during = 'get';
      const object = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }), {
        abortSignal: ctx.signal,
      });
      const body = object.Body as Readable | undefined;
      if (body === undefined) continue;
      try {
        during = 'read';
        yield* batchParsed(
          parseRecords(body, config),
          `object ${key}`,
          config.batchSize,
          config.onInvalidRecord,
          ctx,
        );
      } finally {
        body.destroy();
      }
      during = 'list';
    }
  } catch (error) {
    throw toS3Error(error, during, ctx.signal);
  } finally {
    close();
  }
}

async function* utf8(text: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const chunk of text) yield Buffer.from(chunk, 'utf8');
}

/**
 * Streams the records into one object through a multipart upload (8 MiB parts, two in flight),
 * so memory stays bounded whatever the size. Without `key`, the object is
 * `<prefix><idempotencyKey>.<format>`: a retried run overwrites its own output instead of adding a copy.
 */
export async function writeS3(
  config: S3Config,
  batches: AsyncIterable<readonly ConnectorRecord[]>,
  ctx: ConnectorContext,
): Promise<WriteSummary> {
  throwIfCancelled(ctx.signal);
  const key =
    config.key ?? `${config.prefix ?? ''}${ctx.idempotencyKey}.${EXTENSIONS[config.format]}`;
  const { client, close } = await createS3Client(config, ctx);
  const counter = new RecordCounter(ctx.signal);
  const upload = new Upload({
    client,
    params: {
      Bucket: config.bucket,
      Key: key,
      Body: Readable.from(utf8(serializeRecords(counter.records(batches), config))),
      ContentType: CONTENT_TYPES[config.format],
    },
    partSize: 8 * 1024 * 1024,
    queueSize: 2,
    leavePartsOnError: false,
  });
  const onAbort = (): void => void upload.abort().catch(() => undefined);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await upload.done();
  } catch (error) {
    if (ctx.signal.aborted)
      throw new ConnectorError('cancelled', 'the run was cancelled', { cause: error });
    if (TransformError.is(error))
      throw new ConnectorError('record_rejected', (error as Error).message, { cause: error });
    throw toS3Error(error, 'upload', ctx.signal);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    close();
  }
  ctx.logger.info('s3 object written', { bucket: config.bucket, key, records: counter.count });
  return { written: counter.count, failed: 0 };
}
