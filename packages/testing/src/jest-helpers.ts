import { randomBytes } from 'node:crypto';
import { HarnessError } from './errors.js';
import { quoteIdentifier, TEST_ENVIRONMENT_VARIABLES as ENV } from './internal/env.js';
import type { S3Connection } from './s3.js';

export interface TestDatabase {
  /** Superuser URL of this database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, closing any connection a test left open. */
  drop(): Promise<void>;
}

export interface TestPostgres {
  /** Superuser URL of the `postgres` database: for tests that create roles or inspect the cluster. */
  readonly adminUrl: string;
  /** The migrated template database every test database is copied from. */
  readonly template: string;
}

/**
 * A fresh database copied from the migrated template (`CREATE DATABASE … TEMPLATE`), for one
 * test file: call it in `beforeAll` and `drop()` it in `afterAll`. Copying a template costs
 * milliseconds; re-running migrations per file would cost seconds.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl, template } = testPostgres();
  const name = `weft_test_${randomBytes(8).toString('hex')}`;
  const statement = `CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template)}`;
  await asAdmin(adminUrl, (client) => client.query(statement));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await asAdmin(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

/** The run's PostgreSQL cluster, as published by the global setup. */
export function testPostgres(): TestPostgres {
  return {
    adminUrl: required(ENV.postgresUrl, 'postgres'),
    template: required(ENV.postgresTemplate, 'postgres'),
  };
}

/** The run's nats-server URL, as published by the global setup. */
export function testNatsUrl(): string {
  return required(ENV.natsUrl, 'nats');
}

/** The run's S3-compatible server, ready for `new S3Client({ endpoint, region, forcePathStyle, credentials })`. */
export function testS3(): S3Connection {
  const buckets = process.env[ENV.s3Buckets] ?? '';
  return {
    endpoint: required(ENV.s3Endpoint, 's3'),
    region: required(ENV.s3Region, 's3'),
    accessKeyId: required(ENV.s3AccessKeyId, 's3'),
    secretAccessKey: required(ENV.s3SecretAccessKey, 's3'),
    forcePathStyle: true,
    buckets: buckets ? buckets.split(',') : [],
  };
}

function required(name: string, service: 'postgres' | 'nats' | 's3'): string {
  const value = process.env[name];
  if (value) return value;
  throw new HarnessError(
    'GLOBAL_SETUP_MISSING',
    `${name} is not set: this test needs the jest global setup of @weft/testing with createGlobalSetup({ ${service}: true }) ` +
      'as globalSetup and globalTeardown in jest.config.cjs (see the @weft/testing README)',
  );
}

async function asAdmin<T>(
  adminUrl: string,
  work: (client: import('pg').Client) => Promise<T>,
): Promise<T> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
