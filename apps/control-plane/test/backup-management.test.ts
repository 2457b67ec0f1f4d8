// Listing, retention, the scheduler (one backup across replicas) and the backup commands, on
// real PostgreSQL and a real S3-compatible server.
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { LocalKeyProvider, generateLocalKek } from '@weft/crypto';
import { createTestDatabase, testPostgres, type TestDatabase } from '@weft/testing';
import pg from 'pg';
import {
  BackupError,
  BackupScheduler,
  createBackup,
  latestBackupAt,
  listBackups,
  pruneBackups,
  runBackupCommand,
  type BackupCommandContext,
} from '../src/backup/index.js';
import { capturingLogger, testS3Client } from './support.js';

const BUCKET = 'weft';
const DAY = 86_400_000;
const kek = LocalKeyProvider.fromBase64(generateLocalKek());
let s3: S3Client;
let database: TestDatabase;

function freshPrefix(label: string): string {
  return `backup-mgmt-${randomBytes(4).toString('hex')}/${label}`;
}

function daysAgo(days: number): Date {
  return new Date(Date.now() - days * DAY);
}

async function backupAt(prefix: string, at: Date): Promise<string> {
  const summary = await createBackup({
    s3,
    bucket: BUCKET,
    prefix,
    databaseUrl: database.url,
    keyProvider: kek,
    now: () => at,
  });
  return summary.backupId;
}

async function commandError(work: Promise<unknown>): Promise<BackupError> {
  try {
    await work;
  } catch (error) {
    if (BackupError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a BackupError');
}

beforeAll(async () => {
  s3 = testS3Client();
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
  s3?.destroy();
});

describe('listing and pruning backups', () => {
  it('lists backups newest first with their size, ignoring other objects under the prefix', async () => {
    const prefix = freshPrefix('list');
    expect(await listBackups({ s3, bucket: BUCKET, prefix })).toEqual([]);
    expect(await latestBackupAt({ s3, bucket: BUCKET, prefix })).toBeUndefined();
    const old = await backupAt(prefix, daysAgo(40));
    const recent = await backupAt(prefix, daysAgo(1));
    const middle = await backupAt(prefix, daysAgo(10));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/notes.txt`, Body: 'x' }));
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/nested/${old}.wbak`, Body: 'x' }),
    );

    const listed = await listBackups({ s3, bucket: BUCKET, prefix });
    expect(listed.map((b) => b.backupId)).toEqual([recent, middle, old]);
    for (const b of listed) {
      expect(b.key).toBe(`${prefix}/${b.backupId}.wbak`);
      expect(b.size).toBeGreaterThan(100);
    }
    expect(Math.abs((listed[2]?.createdAt.getTime() ?? 0) - daysAgo(40).getTime())).toBeLessThan(
      60_000,
    );
    expect(await latestBackupAt({ s3, bucket: BUCKET, prefix })).toEqual(listed[0]?.createdAt);
  });

  it('prunes backups older than N days', async () => {
    const prefix = freshPrefix('prune');
    const old = await backupAt(prefix, daysAgo(40));
    const older = await backupAt(prefix, daysAgo(35));
    const recent = await backupAt(prefix, daysAgo(2));
    const result = await pruneBackups({ s3, bucket: BUCKET, prefix }, { olderThanDays: 30 });
    expect(result.deleted.map((b) => b.backupId).sort()).toEqual([old, older].sort());
    expect(result.kept).toBe(1);
    expect((await listBackups({ s3, bucket: BUCKET, prefix })).map((b) => b.backupId)).toEqual([
      recent,
    ]);
  });

  it('never prunes the newest backup, however old', async () => {
    const prefix = freshPrefix('prune-newest');
    const oldest = await backupAt(prefix, daysAgo(50));
    const newest = await backupAt(prefix, daysAgo(45));
    const result = await pruneBackups({ s3, bucket: BUCKET, prefix }, { olderThanDays: 30 });
    expect(result.deleted.map((b) => b.backupId)).toEqual([oldest]);
    expect((await listBackups({ s3, bucket: BUCKET, prefix })).map((b) => b.backupId)).toEqual([
      newest,
    ]);
  });
});

describe('BackupScheduler', () => {
  function scheduler(prefix: string, overrides: { retentionDays?: number; now?: () => Date } = {}) {
    const log = capturingLogger();
    return {
      log,
      scheduler: new BackupScheduler({
        s3,
        bucket: BUCKET,
        prefix,
        databaseUrl: database.url,
        keyProvider: kek,
        intervalMs: 3_600_000,
        maxAgeMs: DAY,
        logger: log.logger,
        ...overrides,
      }),
    };
  }

  it('backs up when none exists or the newest is too old, and not when one is recent', async () => {
    const prefix = freshPrefix('scheduler');
    const { scheduler: s } = scheduler(prefix);
    const first = await s.runOnce();
    expect(first.outcome).toBe('backed-up');
    expect(await s.runOnce()).toMatchObject({ outcome: 'not-due' });
    expect(await listBackups({ s3, bucket: BUCKET, prefix })).toHaveLength(1);

    // Two days later the newest backup is older than maxAgeMs: due again.
    const later = scheduler(prefix, { now: () => new Date(Date.now() + 2 * DAY) });
    expect((await later.scheduler.runOnce()).outcome).toBe('backed-up');
    expect(await listBackups({ s3, bucket: BUCKET, prefix })).toHaveLength(2);
  });

  it('makes one backup when two replicas check at once', async () => {
    const prefix = freshPrefix('replicas');
    const a = scheduler(prefix).scheduler;
    const b = scheduler(prefix).scheduler;
    const outcomes = await Promise.all([a.runOnce(), b.runOnce()]);
    // The loser either found the lock taken or, once it got it, the winner's fresh backup.
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(expect.arrayContaining(['backed-up']));
    expect(outcomes.filter((o) => o.outcome === 'backed-up')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'failed')).toEqual([]);
    expect(await listBackups({ s3, bucket: BUCKET, prefix })).toHaveLength(1);
  });

  it('skips while another session holds the backup lock', async () => {
    const prefix = freshPrefix('locked');
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('weft.backup'))`);
      const { scheduler: s, log } = scheduler(prefix);
      expect(await s.runOnce()).toEqual({ outcome: 'locked-elsewhere' });
      expect(log.lines.some((l) => l.includes('another replica'))).toBe(true);
      expect(await listBackups({ s3, bucket: BUCKET, prefix })).toEqual([]);
    } finally {
      await holder.end();
    }
  });

  it('prunes by its retention after a backup, and start()/stop() run a check', async () => {
    const prefix = freshPrefix('retention');
    const stale = await backupAt(prefix, daysAgo(20));
    const { scheduler: s, log } = scheduler(prefix, { retentionDays: 7 });
    s.start();
    await s.stop();
    const listed = await listBackups({ s3, bucket: BUCKET, prefix });
    expect(listed).toHaveLength(1);
    expect(listed[0]?.backupId).not.toBe(stale);
    expect(log.lines.some((l) => l.includes('backup pruned'))).toBe(true);
  });

  it('reports a failure as an outcome and a log line, without throwing', async () => {
    const prefix = freshPrefix('failing');
    const url = new URL(testPostgres().adminUrl);
    url.pathname = '/weft_no_such_database';
    const log = capturingLogger();
    const s = new BackupScheduler({
      s3,
      bucket: BUCKET,
      prefix,
      databaseUrl: url.toString(),
      keyProvider: kek,
      intervalMs: 1000,
      maxAgeMs: DAY,
      logger: log.logger,
    });
    expect(await s.runOnce()).toEqual({ outcome: 'failed', code: 'DATABASE_FAILED' });
    expect(log.lines.some((l) => l.includes('scheduled backup failed'))).toBe(true);
    // The database URL's password never reaches the log.
    expect(log.lines.some((l) => l.includes(url.password))).toBe(false);
  });
});

describe('runBackupCommand', () => {
  function context(prefix: string, overrides: Partial<BackupCommandContext> = {}) {
    const lines: string[] = [];
    return {
      lines,
      context: {
        databaseUrl: database.url,
        s3,
        bucket: BUCKET,
        prefix,
        keyProvider: kek,
        logger: capturingLogger().logger,
        write: (line: string) => lines.push(line),
        ...overrides,
      } satisfies BackupCommandContext,
    };
  }

  it('backs up, lists, prunes and restores', async () => {
    const prefix = freshPrefix('cli');
    const { lines, context: ctx } = context(prefix);
    await runBackupCommand(['list'], ctx);
    expect(lines).toEqual(['backups: none']);

    await runBackupCommand(['backup'], ctx);
    expect(lines[1]).toMatch(
      /^backup: created \d{8}T\d{6}Z-[0-9a-f]{8} \(\d+ bytes, \d+ tables, \d+ rows\)$/,
    );
    await runBackupCommand(['backup', '--json'], ctx);
    const created = JSON.parse(lines[2] as string) as { backupId: string; size: number };
    expect(created.size).toBeGreaterThan(0);

    lines.length = 0;
    await runBackupCommand(['list', '--json'], ctx);
    const listed = JSON.parse(lines[0] as string) as Array<{ backupId: string }>;
    expect(listed).toHaveLength(2);
    lines.length = 0;
    await runBackupCommand(['list'], ctx);
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => / \d+ bytes$/.test(l))).toBe(true);

    lines.length = 0;
    await runBackupCommand(['prune', '--older-than', '30d'], ctx);
    expect(lines).toEqual(['prune: deleted 0 backup(s) older than 30 days; kept 2']);

    const name = `weft_cli_restore_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testPostgres().adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const target = new URL(testPostgres().adminUrl);
      target.pathname = `/${name}`;
      const restore = context(prefix, { targetDatabaseUrl: target.toString() });
      await runBackupCommand(['restore', created.backupId], restore.context);
      expect(restore.lines[0]).toMatch(
        new RegExp(
          `^restore: restored ${created.backupId} \\(\\d+ tables, \\d+ rows, \\d+ sequences\\); applied 0 newer migration\\(s\\)$`,
        ),
      );
      // Restoring again into the now-populated target is refused.
      expect(
        (await commandError(runBackupCommand(['restore', created.backupId], restore.context))).code,
      ).toBe('RESTORE_TARGET_NOT_EMPTY');
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('refuses bad arguments with one clear line, before touching anything', async () => {
    const { lines, context: ctx } = context(freshPrefix('cli-bad'));
    const cases: Array<[string[], RegExp]> = [
      [[], /a backup command is needed/],
      [['frobnicate'], /unknown backup command "frobnicate"/],
      [['restore'], /restore needs exactly one backup id/],
      [['restore', 'a', 'b'], /restore needs exactly one backup id/],
      [['restore', 'not-an-id'], /"not-an-id" is not a backup id/],
      [['prune'], /prune needs --older-than <N>d/],
      [['prune', '--older-than', '30'], /--older-than needs a number of days like 30d, not "30"/],
      [['prune', '--older-than=0d'], /--older-than needs a number of days/],
      [['prune', '--older-than'], /--older-than needs a number of days/],
      [['list', '--verbose'], /unknown option "--verbose" for list/],
      [['list', '--older-than', '3d'], /--older-than applies to prune only/],
      [['backup', 'extra'], /backup takes no arguments/],
    ];
    for (const [args, message] of cases) {
      const error = await commandError(runBackupCommand(args, ctx));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
    }
    expect(lines).toEqual([]);
  });
});
