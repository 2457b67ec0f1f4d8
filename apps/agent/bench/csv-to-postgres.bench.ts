// Records/s of one agent run: a CSV object in S3 → a 6-field mapping → PostgreSQL (batched
// inserts), through the agent's own operation runner and the built-in connectors. Baseline,
// measured in the same run: the same rows, already in memory as records, written by the
// postgres connector alone — the target's floor that the whole pipeline adds to.
// Not a test: prints, never gates. Run: pnpm bench [rows] (default 1,000,000).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectorContext, type ConnectorRecord } from '@weft/connector-sdk';
import { postgresConnector, s3Connector } from '@weft/connectors';
import { createJsonLogger } from '@weft/log-schema';
import { startPostgres, startS3 } from '@weft/testing';
import pg from 'pg';
import { ConnectorOperationRunner } from '../src/operations/connector-operation-runner.js';
import { NO_SECRET_REFERENCES } from '../src/secrets/secret-reference-policy.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const BATCH = 5_000;

function* rows(count: number): Generator<ConnectorRecord[]> {
  for (let start = 0; start < count; start += BATCH) {
    const batch: ConnectorRecord[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i += 1) {
      batch.push({
        id: String(i),
        name: `customer ${i}`,
        email: `c${i}@example.com`,
        country: ['DE', 'FR', 'US', 'JP'][i % 4]!,
        amount: ((i % 10_000) / 100).toFixed(2),
        since: '2026-01-15',
      });
    }
    yield batch;
  }
}

async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

const postgres = await startPostgres();
const s3 = await startS3({ buckets: ['bench'] });
const root = await mkdtemp(join(tmpdir(), 'weft-agent-bench-'));
try {
  const db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
  for (const table of ['customers_baseline', 'customers']) {
    await db.query(
      `CREATE TABLE ${table} (id bigint PRIMARY KEY, name text, email text, country text, amount numeric, since date)`,
    );
  }
  const url = new URL(postgres.url);
  const connection = {
    host: '127.0.0.1',
    port: Number(url.port),
    database: url.pathname.slice(1),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  const bucket = {
    bucket: 'bench',
    key: 'customers.csv',
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    format: 'csv',
  };

  // The CSV object, written with the s3 connector itself.
  const upload = connectorContext();
  await s3Connector.write!(s3Connector.validate(bucket), asAsync(rows(ROWS)), upload);
  upload.cleanup();

  // Baseline: the postgres connector alone, records already in memory.
  const baselineContext = connectorContext();
  let started = performance.now();
  await postgresConnector.write!(
    postgresConnector.validate({
      connection,
      write: { table: 'customers_baseline', batchSize: 1000 },
    }),
    asAsync(rows(ROWS)),
    baselineContext,
  );
  const baselineSeconds = (performance.now() - started) / 1000;
  baselineContext.cleanup();

  // The agent: S3 CSV → mapping → PostgreSQL.
  const logDir = join(root, 'logs');
  const workDir = join(root, 'work');
  await mkdir(logDir, { recursive: true });
  await mkdir(workDir, { recursive: true });
  const runner = new ConnectorOperationRunner({
    agentKind: 'private',
    logDir,
    secretReferences: NO_SECRET_REFERENCES,
    env: {},
  });
  const records = { read: 0, written: 0, failed: 0 };
  started = performance.now();
  await runner.run(
    {
      runId: 'bench',
      operationId: 'csv-to-postgres',
      environmentId: 'bench',
      attempt: 1,
      maxAttempts: 1,
      idempotencyKey: 'run-bench',
      operation: {
        version: 1,
        source: { connector: 's3', config: { ...bucket, batchSize: 5000 } },
        transformation: {
          mapping: {
            version: 1,
            records: [
              {
                fields: {
                  id: '$number($record.id)',
                  name: '$record.name',
                  email: {
                    value: '$lowercase($record.email)',
                    validate: { pattern: '^[^@]+@[^@]+$' },
                  },
                  country: '$record.country',
                  amount: '$number($record.amount)',
                  since: '$record.since',
                },
              },
            ],
          },
        },
        target: {
          connector: 'postgres',
          config: { connection, write: { table: 'customers', batchSize: 1000 } },
        },
      },
    },
    {
      workDir,
      signal: new AbortController().signal,
      logger: createJsonLogger({ service: 'agent', level: 'error', write: () => {} }),
      records,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const { rows: count } = await db.query('SELECT count(*)::int AS n FROM customers');
  await db.end();
  const rate = ROWS / seconds;
  const floor = ROWS / baselineSeconds;
  console.log(
    `rows: ${ROWS}; read ${records.read}, written ${records.written}, failed ${records.failed}; in the table: ${count[0].n}`,
  );
  console.log(`baseline (postgres connector alone, records in memory): ${floor.toFixed(0)} rows/s`);
  console.log(
    `agent run (S3 CSV → mapping → PostgreSQL): ${rate.toFixed(0)} rows/s — ${(floor / rate).toFixed(2)}× the baseline's time`,
  );
} finally {
  await s3.stop();
  await postgres.stop();
  await rm(root, { recursive: true, force: true });
}
