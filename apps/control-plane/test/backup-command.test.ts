// The backup commands as an operator runs them: the real process, settings from the environment.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, runService, testPostgres, type TestDatabase } from '@weft/testing';
import { TEST_KEK, plantedSecret, s3Env } from './support.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');

async function query<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The one line a failed command ends with (JSON log lines come before it). */
function lastLine(stderr: string): string {
  return stderr.trimEnd().split('\n').at(-1) ?? '';
}

describe('weft-control-plane backup / backups / restore', () => {
  let source: TestDatabase;
  let target: string;
  const targetName = `restore_cmd_${process.pid}`;
  const secret = plantedSecret('cmd');
  const env = (extra: Record<string, string> = {}) => ({
    ...s3Env(),
    S3_BUCKET: 'weft',
    WEFT_KEK: TEST_KEK,
    WEFT_BACKUP_PREFIX: `backup-cmd-${randomBytes(4).toString('hex')}`,
    DATABASE_URL: source.url,
    ...extra,
  });
  let settings: Record<string, string>;

  beforeAll(async () => {
    source = await createTestDatabase();
    await query(source.url, `INSERT INTO organizations (name, slug) VALUES ($1, 'cmd')`, [secret]);
    await query(testPostgres().adminUrl, `CREATE DATABASE ${targetName}`);
    const url = new URL(testPostgres().adminUrl);
    url.pathname = `/${targetName}`;
    target = url.toString();
    settings = env({ WEFT_RESTORE_DATABASE_URL: target });
  });
  afterAll(async () => {
    await query(testPostgres().adminUrl, `DROP DATABASE IF EXISTS ${targetName} WITH (FORCE)`);
    await source.drop();
  });

  const run = (args: string[]) =>
    runService({ cwd: appDir, entry: 'src/main.ts', args, env: settings, timeoutMs: 60_000 });

  it('backs up, lists and restores into the empty database WEFT_RESTORE_DATABASE_URL', async () => {
    const backup = await run(['backup', '--json']);
    expect(backup.code).toBe(0);
    const { backupId } = JSON.parse(backup.stdout) as { backupId: string };
    expect(backupId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]+$/);

    const list = await run(['backups', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(backupId);

    const restore = await run(['restore', backupId]);
    expect(restore.code).toBe(0);
    const restored = await query<{ name: string }>(
      target,
      `SELECT name FROM organizations WHERE slug = 'cmd'`,
    );
    expect(restored).toEqual([{ name: secret }]);
    // Nothing the commands printed carries the data or a credential.
    for (const output of [backup, list, restore]) {
      expect(output.stdout + output.stderr).not.toContain(secret);
      expect(output.stdout + output.stderr).not.toContain(TEST_KEK);
    }
  }, 90_000);

  it('refuses with one line and a code: a missing backup, a non-empty target, bad arguments', async () => {
    const missing = await run(['restore', '20200101T000000Z-00000000']);
    expect(missing.code).toBe(1);
    expect(lastLine(missing.stderr)).toMatch(/^control-plane: BACKUP_NOT_FOUND: no backup 2020/);
    const occupied = await runService({
      cwd: appDir,
      entry: 'src/main.ts',
      args: ['backups', 'list', '--json'],
      env: settings,
    });
    const [newest] = JSON.parse(occupied.stdout) as Array<{ backupId: string }>;
    const again = await run(['restore', newest!.backupId]);
    expect(again.code).toBe(1);
    expect(lastLine(again.stderr)).toMatch(/^control-plane: RESTORE_TARGET_NOT_EMPTY: /);
    const bad = await run(['backups', 'prune', '--older-than', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^control-plane: INVALID_ARGUMENT: [^\n]+\n$/);
  }, 90_000);
});
