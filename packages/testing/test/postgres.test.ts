import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { HarnessError, startPostgres, testPostgres } from '@weft/testing';

async function scalar(url: string, text: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values((await client.query(text)).rows[0] ?? {})[0];
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  let base: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'weft-pg-test-'));
    await chmod(base, 0o711); // run as root, postgres is the 'postgres' user and must get in
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('reuses a persistent cluster across restarts, with a generated password kept in a 0600 file', async () => {
    const dataDir = join(base, 'dev', 'postgres');
    const first = await startPostgres({ dataDir, persistent: true });
    await scalar(first.url, 'CREATE TABLE survives (id int)');
    await first.stop();

    const passwordFile = `${dataDir}.password`;
    expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    const password = (await readFile(passwordFile, 'utf8')).trim();
    expect(password.length).toBeGreaterThanOrEqual(40);
    expect(new URL(first.url).password).toBe(encodeURIComponent(password));
    // Generated per cluster: the run-wide test cluster has another one.
    expect(new URL(testPostgres().adminUrl).password).not.toBe(new URL(first.url).password);

    const second = await startPostgres({ dataDir, persistent: true });
    try {
      expect(new URL(second.url).password).toBe(new URL(first.url).password);
      expect(await scalar(second.url, "SELECT to_regclass('public.survives')::text")).toBe(
        'survives',
      );
    } finally {
      await second.stop();
    }

    // Without its password file the cluster cannot be reconnected to: refuse, keep the data.
    await rm(passwordFile);
    const refusal = await startPostgres({ dataDir, persistent: true }).catch(
      (error: unknown) => error,
    );
    expect(HarnessError.is(refusal)).toBe(true);
    expect(refusal).toMatchObject({ code: 'PASSWORD_FILE_MISSING' });
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
  });

  it('runs a throwaway cluster in a temporary directory that stop() removes', async () => {
    const cluster = await startPostgres();
    expect(cluster.url).toMatch(
      new RegExp(`^postgres://postgres:[^@]+@127\\.0\\.0\\.1:${cluster.port}/postgres$`),
    );
    expect(await scalar(cluster.url, 'SELECT 1')).toBe(1);
    await cluster.stop();
    expect(existsSync(cluster.dataDir)).toBe(false);
  });

  it('refuses a non-empty directory for a throwaway cluster, which stop() would delete', async () => {
    const busy = join(base, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'keep-me'), 'x');
    await expect(startPostgres({ dataDir: busy })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
    expect(existsSync(join(busy, 'keep-me'))).toBe(true);
  });

  it('explains, when run as root, that the postgres user cannot reach a private directory', async () => {
    if (process.getuid?.() !== 0) return; // the restriction only exists when started as root
    const closed = await mkdtemp(join(tmpdir(), 'weft-pg-closed-'));
    try {
      await expect(startPostgres({ dataDir: join(closed, 'data') })).rejects.toThrow(
        /not searchable by other users.*chmod o\+x/s,
      );
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  });
});
