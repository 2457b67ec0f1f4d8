// Insert throughput of the postgres connector on narrow rows (not a test: prints, never gates).
// Run: pnpm bench [rows]   (default 1,000,000). Baseline: the same rows through pg's
// simplest fast path — one hand-written multi-row INSERT per 1,000 rows on a
// bare client, no connector — measured in the same run, so the ratio shows the connector's cost.
import { startPostgres } from '@weft/testing';
import pg from 'pg';
import { ConnectorError, type ConnectorContext, type ConnectorRecord } from '@weft/connector-sdk';
import { postgresConnector } from '../src/index.js';

const total = Number(process.argv[2] ?? 1_000_000);
const inputBatch = 10_000;

function* rows(count: number): Generator<ConnectorRecord[]> {
  for (let start = 0; start < count; start += inputBatch) {
    const batch: ConnectorRecord[] = [];
    for (let i = start; i < Math.min(count, start + inputBatch); i += 1)
      batch.push({ id: i, name: `row ${i}`, amount: i % 1000 });
    yield batch;
  }
}

async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

const server = await startPostgres();
try {
  const url = new URL(server.url);
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE TABLE bench_connector (id int PRIMARY KEY, name text, amount int)');
  await admin.query('CREATE TABLE bench_baseline (id int PRIMARY KEY, name text, amount int)');

  let started = performance.now();
  for (const batch of rows(total)) {
    await admin.query('BEGIN');
    for (let start = 0; start < batch.length; start += 1000) {
      const chunk = batch.slice(start, start + 1000);
      const slots = chunk.map((_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`).join(', ');
      await admin.query(
        `INSERT INTO bench_baseline (id, name, amount) VALUES ${slots}`,
        chunk.flatMap((r) => [r['id'], r['name'], r['amount']]),
      );
    }
    await admin.query('COMMIT');
  }
  const baselineSeconds = (performance.now() - started) / 1000;

  const ctx: ConnectorContext = {
    runId: 'bench',
    idempotencyKey: 'bench',
    signal: new AbortController().signal,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    secrets: {
      get: (name) => (name === 'PASSWORD' ? decodeURIComponent(url.password) : undefined),
    },
    egress: {
      async resolve(host) {
        if (host !== '127.0.0.1')
          throw new ConnectorError('egress_denied', 'bench allows loopback only');
        return { address: host, family: 4 };
      },
    },
    agentKind: 'private',
    workDir: '/tmp',
  };
  const config = postgresConnector.validate({
    connection: {
      host: '127.0.0.1',
      port: server.port,
      database: 'postgres',
      user: server.user,
      password: { secret: 'PASSWORD' },
    },
    write: { table: 'bench_connector', columns: ['id', 'name', 'amount'], batchSize: 1000 },
  });
  started = performance.now();
  const summary = await postgresConnector.write!(config, asAsync(rows(total)), ctx);
  const connectorSeconds = (performance.now() - started) / 1000;
  const count = (await admin.query('SELECT count(*)::int AS n FROM bench_connector')).rows[0]
    .n as number;
  await admin.end();

  const rate = (seconds: number) => Math.round(total / seconds).toLocaleString('en');
  console.log(
    `rows: ${total.toLocaleString('en')} (id int, name text, amount int), 1,000 rows per INSERT, ${inputBatch.toLocaleString('en')} per transaction`,
  );
  console.log(
    `baseline (bare pg client):  ${baselineSeconds.toFixed(2)} s  ${rate(baselineSeconds)} rows/s`,
  );
  console.log(
    `postgres connector:         ${connectorSeconds.toFixed(2)} s  ${rate(connectorSeconds)} rows/s  (written ${summary.written}, in table ${count})`,
  );
  console.log(`connector / baseline time:  ${(connectorSeconds / baselineSeconds).toFixed(2)}`);
} finally {
  await server.stop();
}
