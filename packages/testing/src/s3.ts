import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HarnessError } from './errors.js';
import { LOOPBACK, waitForPortFree } from './internal/ports.js';

export interface S3ServerOptions {
  /** Where objects are stored. Default: a fresh temporary directory, removed by `stop()`. */
  dir?: string;
  /** Port on 127.0.0.1. Default: a random free port. */
  port?: number;
  /** Buckets created before the server answers. */
  buckets?: string[];
}

/**
 * Connection settings for an S3 client. The fake server (s3rver) accepts exactly one
 * key pair, `S3RVER` / `S3RVER`: a property of the fake, not a secret of Weft's.
 * Use path-style addressing (`forcePathStyle: true`): there is no DNS for virtual hosts.
 */
export interface S3Connection {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: true;
  readonly buckets: readonly string[];
}

export interface RunningS3 extends S3Connection {
  readonly port: number;
  readonly dir: string;
  /** Closes the server (dropping open keep-alive connections), waits for the port, removes a temporary store. */
  stop(): Promise<void>;
}

/** Fixed by s3rver itself; any other key pair is rejected with InvalidAccessKeyId. */
const S3RVER_KEY = 'S3RVER';
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Starts an in-process S3-compatible server (s3rver) on loopback. */
export async function startS3(options: S3ServerOptions = {}): Promise<RunningS3> {
  const buckets = options.buckets ?? [];
  for (const bucket of buckets) {
    if (!BUCKET_NAME.test(bucket))
      throw new HarnessError('INVALID_OPTIONS', `"${bucket}" is not a valid S3 bucket name`);
  }
  const ownsDir = options.dir === undefined;
  const dir =
    options.dir !== undefined ? resolve(options.dir) : await mkdtemp(join(tmpdir(), 'weft-s3-'));
  await mkdir(dir, { recursive: true });

  const { default: S3rver } = await import('s3rver');
  const server = new S3rver({
    address: LOOPBACK,
    port: options.port ?? 0,
    directory: dir,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  let port: number;
  try {
    port = (await server.run()).port;
  } catch (error) {
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw new HarnessError(
      'SERVICE_START_FAILED',
      `s3rver failed to start: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let stopped = false;

  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    region: 'us-east-1',
    accessKeyId: S3RVER_KEY,
    secretAccessKey: S3RVER_KEY,
    forcePathStyle: true,
    buckets,
    port,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Node ≥ 19 drops idle keep-alive connections on close(), so SDK clients cannot hold it open.
      await server.close();
      await waitForPortFree(port, 5000, 's3rver');
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
