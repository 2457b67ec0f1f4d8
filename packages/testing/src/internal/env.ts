import { HarnessError } from '../errors.js';

/**
 * How the jest global setup (main process) tells test files (worker processes) where the
 * services are. Workers are forked after the global setup and inherit its environment.
 */
export const TEST_ENVIRONMENT_VARIABLES = {
  /** Superuser URL of the `postgres` database of the run's cluster. */
  postgresUrl: 'WEFT_TEST_PG_URL',
  /** Name of the migrated template database every test database is copied from. */
  postgresTemplate: 'WEFT_TEST_PG_TEMPLATE',
  natsUrl: 'WEFT_TEST_NATS_URL',
  s3Endpoint: 'WEFT_TEST_S3_ENDPOINT',
  s3Region: 'WEFT_TEST_S3_REGION',
  s3AccessKeyId: 'WEFT_TEST_S3_ACCESS_KEY_ID',
  s3SecretAccessKey: 'WEFT_TEST_S3_SECRET_ACCESS_KEY',
  /** Comma-separated names of the buckets created at setup. */
  s3Buckets: 'WEFT_TEST_S3_BUCKETS',
} as const;

/** PostgreSQL identifiers the harness interpolates are restricted to this shape (and quoted). */
export const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteIdentifier(name: string): string {
  if (!DATABASE_NAME.test(name)) {
    throw new HarnessError(
      'INVALID_OPTIONS',
      'database names must match /^[a-z_][a-z0-9_]{0,62}$/',
    );
  }
  return `"${name}"`;
}
