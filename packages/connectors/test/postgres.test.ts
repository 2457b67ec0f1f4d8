import { createTestDatabase, type TestDatabase } from '@weft/testing';
import { createEgressGuard } from '@weft/connector-sdk';
import pg from 'pg';
import { postgresConnector, type PostgresConfig } from '../src/index.js';
import { batchesOf, collect, failure, TestEgress, testContext } from './context.js';

let db: TestDatabase;
let admin: pg.Client;
let target: { port: number; database: string; user: string; password: string };

// The connector is pointed at a name DNS does not know: it only works if it connects to the
// address the egress guard returned.
const HOST = 'warehouse.weft.test';
const egress = (): TestEgress => new TestEgress(new Set([HOST]), new Map([[HOST, '127.0.0.1']]));

function config(extra: Partial<Record<'read' | 'write', unknown>>): PostgresConfig {
  return postgresConnector.validate({
    connection: {
      host: HOST,
      port: target.port,
      database: target.database,
      user: target.user,
      password: { secret: 'PG_PASSWORD' },
    },
    ...extra,
  });
}
const ctx = (options: Parameters<typeof testContext>[0] = {}) =>
  testContext({ egress: egress(), secrets: { PG_PASSWORD: target.password }, ...options });

beforeAll(async () => {
  db = await createTestDatabase();
  const url = new URL(db.url);
  target = {
    port: Number(url.port),
    database: db.name,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(
    `CREATE TABLE source (id int PRIMARY KEY, name text NOT NULL, seen timestamptz, tags jsonb)`,
  );
  await admin.query(
    `INSERT INTO source SELECT g, 'name-' || g, '2026-01-02 03:04:05+00', jsonb_build_array(g) FROM generate_series(1, 2500) g`,
  );
});
afterAll(async () => {
  await admin.end();
  await db.drop();
});

describe('validate', () => {
  it('names the faulty field', () => {
    expect(() =>
      postgresConnector.validate({ connection: { host: 'h', database: 'd', user: 'u' } }),
    ).toThrow('connection.password');
    expect(() => config({ write: { table: 'orders; DROP TABLE x' } })).toThrow(/write.table/);
    expect(() => config({ write: { table: 't', columns: ['a"b'] } })).toThrow(/write.columns\[0\]/);
    expect(() => config({ write: { table: 't', mode: 'upsert' } })).toThrow(/write.key/);
    expect(() => config({ read: { query: 'SELECT 1', batchSize: 0 } })).toThrow(/read.batchSize/);
    expect(() => config({ read: { query: 'SELECT 1', extra: true } })).toThrow(/read.extra/);
  });

  it('accepts postgres: and postgresql: URLs only', () => {
    expect(postgresConnector.validate({ connection: { url: 'postgresql://u:p@h/db' } })).toEqual({
      connection: { url: 'postgresql://u:p@h/db' },
    });
    let code: string | undefined;
    try {
      postgresConnector.validate({ connection: { url: 'mysql://u:p@h/db' } });
    } catch (error) {
      code = (error as { code?: string }).code;
    }
    expect(code).toBe('protocol_denied');
  });
});

describe('read', () => {
  it('streams the query in batches through a cursor, with bind parameters', async () => {
    const batches = await collect(
      postgresConnector.read!(
        config({
          read: {
            query: 'SELECT id, name, seen, tags FROM source WHERE id > $1 ORDER BY id;',
            params: [100],
            batchSize: 1000,
          },
        }),
        ctx(),
      ),
    );
    expect(batches.map((batch) => batch.length)).toEqual([1000, 1000, 400]);
    expect(batches[0]![0]).toEqual({
      id: 101,
      name: 'name-101',
      seen: '2026-01-02 03:04:05+00',
      tags: [101],
    });
    expect(batches[2]!.at(-1)!['id']).toBe(2500);
  });

  it('connects from a postgres:// URL held as a secret', async () => {
    const url = `postgresql://${encodeURIComponent(target.user)}:${encodeURIComponent(target.password)}@${HOST}:${target.port}/${target.database}`;
    const cfg = postgresConnector.validate({
      connection: { url: { secret: 'PG_URL' } },
      read: { query: 'SELECT $1::int + 1 AS two', params: [1] },
    });
    expect(await collect(postgresConnector.read!(cfg, ctx({ secrets: { PG_URL: url } })))).toEqual([
      [{ two: 2 }],
    ]);
    const ftp = postgresConnector.validate({
      connection: { url: { secret: 'PG_URL' } },
      read: { query: 'SELECT 1' },
    });
    const error = await failure(() =>
      collect(postgresConnector.read!(ftp, ctx({ secrets: { PG_URL: 'ftp://h/db' } }))),
    );
    expect(error.code).toBe('protocol_denied');
  });

  it('runs the query read-only', async () => {
    await admin.query('CREATE SEQUENCE IF NOT EXISTS counter');
    const error = await failure(() =>
      collect(
        postgresConnector.read!(config({ read: { query: "SELECT nextval('counter')" } }), ctx()),
      ),
    );
    expect(error.code).toBe('remote_error');
    expect(error.message).toContain('25006');
    expect(
      (await admin.query('SELECT last_value::int AS n, is_called FROM counter')).rows[0],
    ).toEqual({ n: 1, is_called: false });
  });

  it('asks the egress guard first and connects nowhere when it refuses', async () => {
    const guard = new TestEgress(new Set());
    const error = await failure(() =>
      collect(
        postgresConnector.read!(config({ read: { query: 'SELECT 1' } }), ctx({ egress: guard })),
      ),
    );
    expect(error.code).toBe('egress_denied');
    expect(guard.calls).toEqual([{ host: HOST, port: target.port }]);
  });

  it('reports a wrong password as auth_failed without quoting it', async () => {
    const error = await failure(() =>
      collect(
        postgresConnector.read!(
          config({ read: { query: 'SELECT 1' } }),
          ctx({ secrets: { PG_PASSWORD: 'not-the-password' } }),
        ),
      ),
    );
    expect(error.code).toBe('auth_failed');
    expect(error.message).not.toContain('not-the-password');
  });

  it('stops with cancelled when the run is aborted', async () => {
    const abort = new AbortController();
    const seen: number[] = [];
    const error = await failure(async () => {
      for await (const batch of postgresConnector.read!(
        config({ read: { query: 'SELECT * FROM source', batchSize: 100 } }),
        ctx({ signal: abort.signal }),
      )) {
        seen.push(batch.length);
        abort.abort();
      }
    });
    expect(error.code).toBe('cancelled');
    expect(seen).toEqual([100]);
  });
});

describe('write', () => {
  beforeEach(async () => {
    await admin.query('DROP TABLE IF EXISTS "Target"');
    await admin.query(
      'CREATE TABLE "Target" (id int PRIMARY KEY, name text NOT NULL, extra jsonb, run_key text)',
    );
  });
  const rows = (n: number, name = 'n') =>
    Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `${name}${i + 1}`, extra: { i } }));

  it('inserts batches with multi-row statements and stamps the idempotency key', async () => {
    const summary = await postgresConnector.write!(
      config({
        write: { table: 'public.Target', batchSize: 300, idempotencyKeyColumn: 'run_key' },
      }),
      batchesOf([{ ...rows(1)[0]!, run_key: 'forged' }, ...rows(2500).slice(1)], 1000),
      ctx({ idempotencyKey: 'op-7-run-3' }),
    );
    expect(summary).toEqual({ written: 2500, failed: 0 });
    const check = await admin.query(
      'SELECT count(*)::int AS n, count(DISTINCT run_key)::int AS keys, max(run_key) AS key FROM "Target"',
    );
    expect(check.rows[0]).toEqual({ n: 2500, keys: 1, key: 'op-7-run-3' });
    expect((await admin.query('SELECT extra FROM "Target" WHERE id = 7')).rows[0].extra).toEqual({
      i: 6,
    });
  });

  it('upserts on the key so a retried run leaves one row per key', async () => {
    const write = { table: 'Target', mode: 'upsert', key: ['id'], columns: ['id', 'name'] };
    await postgresConnector.write!(config({ write }), batchesOf(rows(1500, 'first'), 500), ctx());
    const summary = await postgresConnector.write!(
      config({ write }),
      batchesOf(rows(2000, 'second'), 500),
      ctx(),
    );
    expect(summary).toEqual({ written: 2000, failed: 0 });
    const check = await admin.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE name LIKE 'second%')::int AS updated FROM "Target"`,
    );
    expect(check.rows[0]).toEqual({ n: 2000, updated: 2000 });
  });

  it('fails only the offending records, by index, without quoting their data', async () => {
    const records: Record<string, unknown>[] = rows(10);
    records[3] = { id: 4, name: null };
    records[8] = { id: 9, name: 'secret-value-9', surprise: true };
    records[9] = { id: 'not-a-number-xyz', name: 'x' };
    const summary = await postgresConnector.write!(
      config({ write: { table: 'Target' } }),
      batchesOf(records, 5),
      ctx(),
    );
    expect(summary.written).toBe(7);
    expect(summary.failed).toBe(3);
    expect(summary.failures!.map((f) => f.index)).toEqual([3, 8, 9]);
    expect(JSON.stringify(summary.failures)).not.toMatch(/secret-value|not-a-number/);
    expect(summary.failures![0]!.reason).toContain('23502');
    expect(
      (await admin.query('SELECT array_agg(id ORDER BY id) AS ids FROM "Target"')).rows[0].ids,
    ).toEqual([1, 2, 3, 5, 6, 7, 8]);
  });

  it('stops with cancelled and keeps only whole batches when the run is aborted', async () => {
    const abort = new AbortController();
    async function* batches() {
      yield rows(100);
      yield rows(200).slice(100);
      abort.abort();
      yield rows(300).slice(200);
    }
    const error = await failure(() =>
      postgresConnector.write!(
        config({ write: { table: 'Target' } }),
        batches(),
        ctx({ signal: abort.signal }),
      ),
    );
    expect(error.code).toBe('cancelled');
    expect((await admin.query('SELECT count(*)::int AS n FROM "Target"')).rows[0].n).toBe(200);
  });

  it('reports a missing table as not_found', async () => {
    const error = await failure(() =>
      postgresConnector.write!(
        config({ write: { table: 'nowhere' } }),
        batchesOf(rows(1), 1),
        ctx(),
      ),
    );
    expect(error.code).toBe('not_found');
  });
});

describe('with the SDK egress policy', () => {
  const resolver = async (host: string) =>
    host === HOST ? [{ address: '127.0.0.1', family: 4 as const }] : [];
  const read = (guard: ReturnType<typeof createEgressGuard>) =>
    collect(
      postgresConnector.read!(
        config({ read: { query: 'SELECT 1 AS one' } }),
        ctx({ egress: guard, agentKind: guard.agentKind }),
      ),
    );

  it('keeps a cloud agent away from an internal database unless it is allow-listed', async () => {
    const denied = await failure(() => read(createEgressGuard({ agentKind: 'cloud', resolver })));
    expect(denied.code).toBe('egress_denied');
    const allowed = await read(createEgressGuard({ agentKind: 'cloud', allow: [HOST], resolver }));
    expect(allowed).toEqual([[{ one: 1 }]]);
  });

  it('lets a private agent reach it unless the organization denies it', async () => {
    expect(await read(createEgressGuard({ agentKind: 'private', resolver }))).toEqual([
      [{ one: 1 }],
    ]);
    const denied = await failure(() =>
      read(createEgressGuard({ agentKind: 'private', deny: ['127.0.0.0/8'], resolver })),
    );
    expect(denied.code).toBe('egress_denied');
  });
});
