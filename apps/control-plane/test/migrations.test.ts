import { createTestDatabase, testPostgres, type TestDatabase } from '@weft/testing';
import pg from 'pg';
import {
  createDataSource,
  migrate,
  MIGRATIONS,
  pendingMigrations,
} from '../src/database/data-source.js';
import { ENCRYPTED_COLUMNS } from '../src/keys/encrypted-columns.js';

describe('migrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    // An empty database, not a copy of the migrated template.
    const admin = new pg.Client({ connectionString: testPostgres().adminUrl });
    await admin.connect();
    const name = `migrations_${process.pid}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(testPostgres().adminUrl);
    url.pathname = `/${name}`;
    database = {
      name,
      url: url.toString(),
      drop: async () => {
        const client = new pg.Client({ connectionString: testPostgres().adminUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    } as TestDatabase;
  });
  afterAll(async () => {
    await database.drop();
  });

  it('apply to an empty database, are recorded, and apply nothing the second time', async () => {
    const probe = createDataSource({ url: database.url, poolSize: 1 });
    await probe.initialize();
    // The start-up check reads only: it must not create TypeORM's table in an empty database.
    expect(await pendingMigrations(probe)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await pendingMigrations(probe)).toEqual(MIGRATIONS.map((m) => m.name));
    const tables = (await probe.query(`SELECT to_regclass('schema_migrations') AS t`)) as [
      { t: string | null },
    ];
    expect(tables[0].t).toBeNull();
    await probe.destroy();
    expect(await migrate(database.url)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await migrate(database.url)).toEqual([]);
  });

  it('revert cleanly and apply again', async () => {
    const dataSource = createDataSource({ url: database.url, poolSize: 1 });
    await dataSource.initialize();
    try {
      for (let i = 0; i < MIGRATIONS.length; i += 1) await dataSource.undoLastMigration();
      const tables = (await dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      )) as Array<{ table_name: string }>;
      expect(tables.map((t) => t.table_name)).toEqual(['schema_migrations']);
      expect(await dataSource.showMigrations()).toBe(true);
    } finally {
      await dataSource.destroy();
    }
    expect(await migrate(database.url)).toHaveLength(MIGRATIONS.length);
  });

  it('apply once when two runs race', async () => {
    const dataSource = createDataSource({ url: database.url, poolSize: 1 });
    await dataSource.initialize();
    for (let i = 0; i < MIGRATIONS.length; i += 1) await dataSource.undoLastMigration();
    await dataSource.destroy();
    const [first, second] = await Promise.all([migrate(database.url), migrate(database.url)]);
    expect([...first, ...second]).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('leave the template database of the harness fully migrated', async () => {
    const copy = await createTestDatabase();
    const dataSource = createDataSource({ url: copy.url, poolSize: 1 });
    await dataSource.initialize();
    try {
      expect(await pendingMigrations(dataSource)).toEqual([]);
    } finally {
      await dataSource.destroy();
      await copy.drop();
    }
  });

  // A confidential column that the key rotation does not know about would keep old key
  // versions alive for ever (or, worse, be left behind when they are retired).
  it('register every ciphertext column with the key rotation, with its key-version column', async () => {
    const dataSource = createDataSource({ url: database.url, poolSize: 1 });
    await dataSource.initialize();
    try {
      // A partition's columns are its partitioned table's (the activity log's day partitions).
      const columns = (await dataSource.query(
        `SELECT table_name, column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name LIKE '%ciphertext%'
           AND NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = 'public' AND c.relname = table_name AND c.relispartition)
         ORDER BY table_name, column_name`,
      )) as Array<{ table_name: string; column_name: string }>;
      expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(
        ENCRYPTED_COLUMNS.map((c) => `${c.table}.${c.column}`).sort(),
      );
      for (const c of ENCRYPTED_COLUMNS) {
        const [version] = (await dataSource.query(
          `SELECT data_type FROM information_schema.columns
           WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2`,
          [c.table, c.versionColumn],
        )) as Array<{ data_type: string }>;
        expect(version?.data_type).toBe('integer');
      }
    } finally {
      await dataSource.destroy();
    }
  });
});
