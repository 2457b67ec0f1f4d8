import pg from 'pg';
import { createTestDatabase, testPostgres, type TestDatabase } from '@weft/testing';

let first: TestDatabase;
let second: TestDatabase;

beforeAll(async () => {
  [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
});

afterAll(async () => {
  await Promise.all([first?.drop(), second?.drop()]);
});

async function query<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('copies the migrated template, so the schema is there and empty', async () => {
    const rows = await query<{ count: string }>(first.url, 'SELECT count(*) FROM harness_probe');
    expect(rows[0]?.count).toBe('0');
  });

  it('gives every call its own database: writes in one are invisible in the other', async () => {
    expect(first.name).not.toBe(second.name);
    await query(first.url, 'INSERT INTO harness_probe (note) VALUES ($1)', ['first only']);
    const inFirst = await query<{ note: string }>(first.url, 'SELECT note FROM harness_probe');
    const inSecond = await query<{ note: string }>(second.url, 'SELECT note FROM harness_probe');
    expect(inFirst.map((row) => row.note)).toEqual(['first only']);
    expect(inSecond).toEqual([]);
  });

  it('keeps the template closed to connections, so no test can change it', async () => {
    const { adminUrl, template } = testPostgres();
    const url = new URL(adminUrl);
    url.pathname = `/${template}`;
    await expect(query(url.toString(), 'SELECT 1')).rejects.toThrow(
      /not currently accepting connections/,
    );
  });

  it('drops the database even while a client is still connected', async () => {
    const extra = await createTestDatabase();
    const lingering = new pg.Client({ connectionString: extra.url });
    lingering.on('error', () => undefined); // the forced drop terminates it
    await lingering.connect();
    await extra.drop();
    const { adminUrl } = testPostgres();
    const rows = await query(adminUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [
      extra.name,
    ]);
    expect(rows).toEqual([]);
    await lingering.end().catch(() => undefined);
  });
});
