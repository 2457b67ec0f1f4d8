import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@weft/testing';

// A second test file, run by another worker in parallel with database.test.ts: it gets
// its own copy of the template and sees none of the other file's writes.
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

it('starts from the empty migrated schema and owns its rows', async () => {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    expect(
      (await client.query('SELECT count(*)::int AS count FROM harness_probe')).rows[0],
    ).toEqual({ count: 0 });
    await client.query("INSERT INTO harness_probe (note) VALUES ('second file')");
    const notes = (await client.query<{ note: string }>('SELECT note FROM harness_probe')).rows.map(
      (row) => row.note,
    );
    expect(notes).toEqual(['second file']);
    expect(database.name).toMatch(/^weft_test_[0-9a-f]{16}$/);
  } finally {
    await client.end();
  }
});
