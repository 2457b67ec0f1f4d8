// The activity log's day partitions on real PostgreSQL, with the clock moved forward by passing
// `now` to the maintenance job: partitions appear ahead and go after the window, pages read
// across partitions (and the DEFAULT partition) return every row once and in order, nothing
// younger than the window is lost, and detail lines go after five days while the run's
// activity row stays.
import { randomUUID } from 'node:crypto';
import { noopLogger } from '@weft/log-schema';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { parseListQuery } from '../src/activity/activity-filters.js';
import { ActivityQuery } from '../src/activity/activity-query.js';
import {
  PartitionMaintenance,
  type MaintenanceReport,
} from '../src/activity/partition-maintenance.js';
import { createDataSource } from '../src/database/data-source.js';
import { inTenant } from '../src/database/tenant.js';
import type { OrgKeys } from '../src/keys/org-keys.js';
import { ReencryptionJobs } from '../src/keys/reencryption.js';
import { activityFixture, type ActivityFixture } from './activity-support.js';
import { bootstrapOrganizations, organization, sqlRows, testOrgKeys } from './support.js';

const DAY = 86_400_000;
const RETENTION = { retentionDays: 31, detailRetentionDays: 5, partitionsAhead: 7 };

describe('activity log partitions', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let keys: OrgKeys;
  let acme: ActivityFixture;
  let query: ActivityQuery;
  let maintenance: PartitionMaintenance;
  /** The real time the test started; every `now` below is this moved forward. */
  const started = new Date();
  const today = Math.floor(started.getTime() / DAY) * DAY;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    sqlRows<T>(database.url, text, params);
  const dayName = (table: string, offset: number) =>
    `${table}_p${new Date(today + offset * DAY).toISOString().slice(0, 10).replaceAll('-', '')}`;
  const partitions = async (table: string) =>
    (
      await sql<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = $1::regclass ORDER BY 1`,
        [table],
      )
    ).map((row) => row.name);
  const range = (table: string, from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => dayName(table, from + i));
  const maintain = (daysLater: number, hours = 0): Promise<MaintenanceReport> =>
    maintenance.maintain(new Date(started.getTime() + daysLater * DAY + hours * 3_600_000));

  beforeAll(async () => {
    database = await createTestDatabase();
    const [org] = await bootstrapOrganizations(database.url, [organization('acme')]);
    dataSource = createDataSource({ url: database.url, poolSize: 4 });
    await dataSource.initialize();
    keys = testOrgKeys(dataSource);
    acme = await activityFixture(dataSource, keys, org!);
    query = new ActivityQuery(dataSource, keys);
    maintenance = new PartitionMaintenance(dataSource, RETENTION, noopLogger);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('has partitions from yesterday to a week ahead right after migrating, and a DEFAULT one', async () => {
    const expected = (table: string) => [...range(table, -1, 7), `${table}_default`].sort();
    expect(await partitions('activity_log')).toEqual(expected('activity_log'));
    expect(await partitions('activity_details')).toEqual(expected('activity_details'));
    // Run as the real clock, the job has nothing to do.
    const report = await maintenance.maintain(started);
    expect(report).toMatchObject({ ran: true, created: [], dropped: [], moved: 0, expired: 0 });
  });

  it('lets the tenant role through the parent only, never into a partition by name', async () => {
    const runId = await acme.submit('through-parent');
    const seen = await inTenant(dataSource, acme.orgId, (tx) =>
      tx.query(`SELECT run_id FROM activity_log WHERE run_id = $1`, [runId]),
    );
    expect(seen).toEqual([{ run_id: runId }]);
    const direct = await inTenant(dataSource, acme.orgId, (tx) =>
      tx.query(`SELECT count(*) FROM ${dayName('activity_log', 0)}`),
    ).catch((error: { code?: string }) => error.code);
    expect(direct).toBe('42501');
  });

  it('moves rows that landed in the DEFAULT partition into a partition of their day', async () => {
    const day = today - 3 * DAY;
    await insertActivity(acme, 5, new Date(day + 3_600_000), 60_000);
    expect(await sql(`SELECT count(*)::int AS n FROM activity_log_default`)).toEqual([{ n: 5 }]);
    const report = await maintenance.maintain(started);
    expect(report.created).toEqual([dayName('activity_log', -3)]);
    expect(report.moved).toBe(5);
    expect(await sql(`SELECT count(*)::int AS n FROM activity_log_default`)).toEqual([{ n: 0 }]);
    expect(await sql(`SELECT count(*)::int AS n FROM ${dayName('activity_log', -3)}`)).toEqual([
      { n: 5 },
    ]);
  });

  it('pages across day boundaries: every row once, newest first, ties broken by run id', async () => {
    // 3 days, rows on both sides of each midnight, several sharing one instant, one day in DEFAULT.
    for (const offset of [-2, -1, 0]) {
      const midnight = new Date(today + offset * DAY);
      await insertActivity(acme, 4, new Date(midnight.getTime() - 3), 1);
      await insertActivity(acme, 4, midnight, 0);
    }
    const expected = (
      await sql<{ run_id: string }>(
        `SELECT run_id FROM activity_log WHERE org_id = $1 AND environment_id = $2
         ORDER BY submitted_at DESC, run_id DESC`,
        [acme.orgId, acme.environmentId],
      )
    ).map((row) => row.run_id);
    expect(expected.length).toBeGreaterThan(25);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await query.list(
        acme.orgId,
        acme.environmentId,
        parseListQuery({ limit: '4', ...(cursor === undefined ? {} : { cursor }) }),
      );
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined && pages < 100);
    expect(seen).toEqual(expected);
  });

  it('creates partitions ahead and drops them after the window as the clock moves on', async () => {
    const later = await maintain(20);
    // Day -2 had rows only in the DEFAULT partition (the paging test): it got its own.
    expect(later.created).toContain(dayName('activity_log', -2));
    // Details are kept 5 days: 20 days on, every detail partition the migration made is gone.
    expect(later.dropped.sort()).toEqual(range('activity_details', -1, 7).sort());
    expect(await partitions('activity_log')).toEqual(
      [
        ...range('activity_log', -3, 7),
        ...range('activity_log', 19, 27),
        'activity_log_default',
      ].sort(),
    );
    expect(await partitions('activity_details')).toEqual(
      [...range('activity_details', 19, 27), 'activity_details_default'].sort(),
    );
    const muchLater = await maintain(40);
    // 40 days on, the window starts 9 days after the first day: days up to +8 go.
    expect(muchLater.dropped.filter((name) => name.startsWith('activity_log')).sort()).toEqual(
      range('activity_log', -3, 7),
    );
    expect(await partitions('activity_log')).toEqual(
      [
        ...range('activity_log', 19, 27),
        ...range('activity_log', 39, 47),
        'activity_log_default',
      ].sort(),
    );
    // Every row was older than the window.
    expect(await sql(`SELECT count(*)::int AS n FROM activity_log`)).toEqual([{ n: 0 }]);
  });

  it('refuses to work while another replica holds the lock', async () => {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(hashtext('weft.activity.maintenance'))`);
      const report = await maintain(60);
      expect(report).toEqual({
        ran: false,
        created: [],
        dropped: [],
        moved: 0,
        expired: 0,
        deletedRuns: 0,
      });
      expect(await partitions('activity_log')).not.toContain(dayName('activity_log', 60));
    } finally {
      await other.end();
    }
    expect((await maintain(60)).created).toContain(dayName('activity_log', 60));
  });

  async function insertActivity(
    fixture: ActivityFixture,
    count: number,
    first: Date,
    stepMs: number,
  ): Promise<void> {
    await sql(
      `INSERT INTO activity_log (org_id, run_id, environment_id, group_id, operation_id, status,
         submitted_at, submitted_by_kind)
       SELECT $1, gen_random_uuid(), $2, $3, 'bulk', 'succeeded',
         $4::timestamptz + make_interval(secs => (i * $5)::float8 / 1000), 'system'
       FROM generate_series(0, $6 - 1) AS i`,
      [fixture.orgId, fixture.environmentId, fixture.groupId, first, stepMs, count],
    );
  }
});

describe('activity log retention of a run submitted the real way', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let acme: ActivityFixture;
  let keys: OrgKeys;
  let query: ActivityQuery;
  let maintenance: PartitionMaintenance;
  const started = new Date();

  beforeAll(async () => {
    database = await createTestDatabase();
    const [org] = await bootstrapOrganizations(database.url, [organization('acme')]);
    dataSource = createDataSource({ url: database.url, poolSize: 4 });
    await dataSource.initialize();
    keys = testOrgKeys(dataSource);
    acme = await activityFixture(dataSource, keys, org!);
    query = new ActivityQuery(dataSource, keys);
    maintenance = new PartitionMaintenance(dataSource, RETENTION, noopLogger);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const at = (days: number, hours = 0) =>
    new Date(started.getTime() + days * DAY + hours * 3_600_000);

  it('drops details after 5 days and the run after 31, never earlier', async () => {
    const runId = await acme.submit('load-orders');
    const agentId = randomUUID();
    await acme.event('run.started', { runId, agentId, attempt: 1 });
    await acme.event('run.log', {
      runId,
      agentId,
      attempt: 1,
      messages: [
        { at: new Date().toISOString(), level: 'info', step: 'source', text: 'read 3 records' },
        { at: new Date().toISOString(), level: 'error', step: 'target', text: 'row 2 rejected' },
      ],
    });
    await acme.event('run.finished', {
      runId,
      agentId,
      attempt: 1,
      status: 'failed',
      records: { read: 3, written: 2, failed: 1 },
      error: { code: 'target_rejected', message: 'the warehouse refused row 2' },
    });
    const details = () => query.details(acme.orgId, acme.environmentId, runId);
    const listed = async () =>
      (await query.list(acme.orgId, acme.environmentId, { filters: {}, limit: 10 })).items;
    expect((await details()).items.map((line) => line.text)).toEqual([
      'read 3 records',
      'row 2 rejected',
    ]);

    // Four days and 23 hours on, the details are younger than 5 days: kept.
    await maintenance.maintain(at(4, 23));
    expect((await details()).items).toHaveLength(2);
    // Six days on, their day is wholly older than 5 days: gone; the activity row stays.
    await maintenance.maintain(at(6));
    expect((await details()).items).toEqual([]);
    expect(await listed()).toEqual([
      expect.objectContaining({
        id: runId,
        status: 'failed',
        message: 'the warehouse refused row 2',
      }),
    ]);
    // 30 days and 23 hours on: still inside the window.
    await maintenance.maintain(at(30, 23));
    expect((await listed()).map((record) => record.id)).toEqual([runId]);
    // A day and a bit past the window: the row and the finished run are gone.
    const report = await maintenance.maintain(at(32, 1));
    expect(report.deletedRuns).toBe(1);
    expect(await listed()).toEqual([]);
    expect(await sqlRows(database.url, `SELECT id FROM runs WHERE id = $1`, [runId])).toEqual([]);
  });

  it('moves messages and detail lines to a new key version, so the old one can be retired', async () => {
    const runId = await acme.submit('rotated');
    const agentId = randomUUID();
    await acme.event('run.started', { runId, agentId, attempt: 1 });
    const lines = Array.from({ length: 7 }, (_, i) => ({ level: 'info', text: `line ${i + 1}` }));
    await acme.event('run.log', { runId, agentId, attempt: 1, messages: lines });
    await acme.event('run.finished', {
      runId,
      agentId,
      status: 'failed',
      error: { code: 'source_unreachable', message: 'the bucket did not answer' },
    });
    const versions = () =>
      sqlRows<{ version: number }>(
        database.url,
        `SELECT key_version AS version FROM activity_log WHERE run_id = $1
         UNION ALL SELECT key_version FROM activity_details WHERE run_id = $1`,
        [runId],
      );
    const before = new Set((await versions()).map((row) => row.version));
    expect(before.size).toBe(1);
    const { version } = await keys.rotate(acme.orgId);
    // Small batches, so both columns take several transactions.
    const [job] = await new ReencryptionJobs(dataSource, keys, {
      logger: noopLogger,
      batchSize: 3,
    }).runPending();
    expect(job).toMatchObject({ status: 'completed', retiredVersions: [...before] });
    expect(new Set((await versions()).map((row) => row.version))).toEqual(new Set([version]));
    expect(
      (await query.details(acme.orgId, acme.environmentId, runId)).items.map((l) => l.text),
    ).toEqual(lines.map((line) => line.text));
    const [record] = (
      await query.list(acme.orgId, acme.environmentId, {
        filters: { operationId: 'rotated' },
        limit: 1,
      })
    ).items;
    expect(record?.message).toBe('the bucket did not answer');
  });

  it('keeps a run that has not finished, however old', async () => {
    const runId = await acme.submit('still-pending');
    const report = await maintenance.maintain(at(40));
    expect(report.ran).toBe(true);
    // Every finished run is gone; the one still pending stays.
    expect(await sqlRows(database.url, `SELECT id, status FROM runs`)).toEqual([
      { id: runId, status: 'pending' },
    ]);
  });
});
