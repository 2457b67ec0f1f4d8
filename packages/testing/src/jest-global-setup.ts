import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from './errors.js';
import { quoteIdentifier, TEST_ENVIRONMENT_VARIABLES as ENV } from './internal/env.js';
import type { LogSink } from './internal/output.js';
import { startNats, type RunningNats } from './nats.js';
import { startPostgres, type RunningPostgres } from './postgres.js';
import { startS3, type RunningS3 } from './s3.js';

export interface GlobalSetupOptions {
  /** Start one PostgreSQL cluster for the run and build the template database. */
  postgres?: boolean;
  /** Start one nats-server (JetStream on) for the run. */
  nats?: boolean;
  /** Start one S3-compatible server for the run, optionally with buckets. */
  s3?: boolean | { buckets?: string[] };
  /** Applies the schema to the template database, once per run. Needs `postgres: true`. */
  migrate?: (databaseUrl: string) => Promise<void>;
  /** Template database name. Default `weft_template`. */
  templateDatabase?: string;
  /** Receives the services' output lines. Default: discarded. */
  log?: LogSink;
}

/** What the teardown stopped, so a caller can verify nothing outlived the run. */
export interface TeardownReport {
  /** The temporary directory that held every service's data (now removed). */
  root: string;
  /** Process ids of the services that ran as child processes (postmaster, nats-server). */
  pids: number[];
  /** Every port the services listened on (now free). */
  ports: number[];
}

interface GlobalServices {
  root: string;
  postgres?: RunningPostgres;
  nats?: RunningNats;
  s3?: RunningS3;
  previousEnv: Record<string, string | undefined>;
}

// globalSetup and globalTeardown run in the same jest process: the handles live here.
const STASH = Symbol.for('weft.testing.globalServices');
const DEFAULT_TEMPLATE = 'weft_template';

/**
 * Builds a jest `globalSetup` function: starts the requested services once per jest run
 * (data in a fresh temporary directory), creates and migrates the template database, and
 * publishes connection details to the test workers through WEFT_TEST_* variables.
 * Pair it with `globalTeardown`.
 */
export function createGlobalSetup(options: GlobalSetupOptions): () => Promise<void> {
  const template = options.templateDatabase ?? DEFAULT_TEMPLATE;
  quoteIdentifier(template);
  if (options.migrate && !options.postgres) {
    throw new HarnessError('INVALID_OPTIONS', 'createGlobalSetup: migrate needs postgres: true');
  }
  return async function weftGlobalSetup(): Promise<void> {
    const stash = globalThis as Record<symbol, GlobalServices | undefined>;
    if (stash[STASH]) return; // watch mode re-runs setup; the services are still up
    const root = await mkdtemp(join(tmpdir(), 'weft-test-'));
    await chmod(root, 0o711); // postgres runs as another user when we are root
    const services: GlobalServices = { root, previousEnv: {} };
    try {
      const s3Buckets = typeof options.s3 === 'object' ? (options.s3.buckets ?? []) : [];
      const [postgres, nats, s3] = await settleAll([
        options.postgres
          ? startPostgres({ dataDir: join(root, 'postgres'), log: options.log })
          : undefined,
        options.nats ? startNats({ storeDir: join(root, 'nats'), log: options.log }) : undefined,
        options.s3 ? startS3({ dir: join(root, 's3'), buckets: s3Buckets }) : undefined,
      ] as const);
      Object.assign(services, { postgres, nats, s3 });
      if (postgres) await buildTemplate(postgres, template, options.migrate);
      publish(services, template);
      stash[STASH] = services;
    } catch (error) {
      await stopServices(services);
      throw error;
    }
  };
}

/** The jest `globalTeardown`: stops what `createGlobalSetup` started and removes its data. */
export async function globalTeardown(): Promise<TeardownReport | undefined> {
  const stash = globalThis as Record<symbol, GlobalServices | undefined>;
  const services = stash[STASH];
  if (!services) return undefined;
  stash[STASH] = undefined;
  const report: TeardownReport = {
    root: services.root,
    pids: [services.postgres?.pid, services.nats?.pid].filter(
      (pid): pid is number => pid !== undefined,
    ),
    ports: [services.postgres?.port, services.nats?.port, services.s3?.port].filter(
      (port): port is number => port !== undefined,
    ),
  };
  await stopServices(services);
  for (const [name, value] of Object.entries(services.previousEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return report;
}

async function buildTemplate(
  postgres: RunningPostgres,
  template: string,
  migrate: GlobalSetupOptions['migrate'],
): Promise<void> {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdentifier(template)}`);
    if (migrate) {
      try {
        await migrate(postgres.databaseUrl(template));
      } catch (error) {
        throw new HarnessError(
          'SERVICE_START_FAILED',
          `migrate() failed on the template database ${template}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    // A connection migrate() left open would make every CREATE DATABASE … TEMPLATE fail;
    // closing connections afterwards keeps a test from writing into the template by accident.
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [template],
    );
    await admin.query(
      `ALTER DATABASE ${quoteIdentifier(template)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`,
    );
  } finally {
    await admin.end();
  }
}

function publish(services: GlobalServices, template: string): void {
  const values: Record<string, string> = {};
  if (services.postgres) {
    values[ENV.postgresUrl] = services.postgres.url;
    values[ENV.postgresTemplate] = template;
  }
  if (services.nats) values[ENV.natsUrl] = services.nats.url;
  if (services.s3) {
    values[ENV.s3Endpoint] = services.s3.endpoint;
    values[ENV.s3Region] = services.s3.region;
    values[ENV.s3AccessKeyId] = services.s3.accessKeyId;
    values[ENV.s3SecretAccessKey] = services.s3.secretAccessKey;
    values[ENV.s3Buckets] = services.s3.buckets.join(',');
  }
  for (const [name, value] of Object.entries(values)) {
    services.previousEnv[name] = process.env[name];
    process.env[name] = value;
  }
}

async function stopServices(services: GlobalServices): Promise<void> {
  const results = await Promise.allSettled([
    services.postgres?.stop(),
    services.nats?.stop(),
    services.s3?.stop(),
  ]);
  await rm(services.root, { recursive: true, force: true });
  const failure = results.find(
    (result): result is PromiseRejectedResult => result.status === 'rejected',
  );
  if (failure) throw failure.reason;
}

/** Like Promise.all, but stops the services that did start when another one fails. */
async function settleAll<T extends readonly (Promise<{ stop(): Promise<void> }> | undefined)[]>(
  starts: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(
    starts.map((start) => start ?? Promise.resolve(undefined)),
  );
  const failure = results.find(
    (result): result is PromiseRejectedResult => result.status === 'rejected',
  );
  if (failure) {
    await Promise.allSettled(
      results.map((result) => (result.status === 'fulfilled' ? result.value?.stop() : undefined)),
    );
    throw failure.reason;
  }
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
