import type { Logger } from '@weft/log-schema';
import type { DataSource, QueryRunner } from 'typeorm';
import type { ActivitySettings } from '../config/activity-settings.js';
import { isolateTenantTable } from '../database/migrations/1764200000000-tenant-isolation.js';
import {
  ACTIVITY_DETAILS,
  ACTIVITY_LOG,
  addDays,
  daysAhead,
  defaultPartitionName,
  partitionDay,
  partitionName,
  retentionBoundary,
  type DayPartitionedTable,
} from './partitions.js';

export interface MaintenanceReport {
  /** False when another replica held the lock: this one did nothing. */
  ran: boolean;
  created: string[];
  dropped: string[];
  /** Rows moved out of a DEFAULT partition into the partition of their day. */
  moved: number;
  /** Rows past the window deleted from a DEFAULT partition. */
  expired: number;
  /** Finished runs past the window deleted from `runs`. */
  deletedRuns: number;
}

const LOCK = `hashtext('weft.activity.maintenance')`;
const HOUR_MS = 3_600_000;
const RUN_DELETE_BATCH = 5000;

/**
 * Keeps the activity tables' day partitions in shape, for the whole installation (not per
 * tenant: it runs as the schema owner): partitions for the days ahead, whole partitions dropped
 * once their day is past the retention window, rows that landed in a DEFAULT partition moved to
 * their day's, and finished runs past the window deleted. Replicas all schedule it; a session
 * advisory lock lets one at a time work. Each step is a short transaction of its own with a
 * lock timeout, so a busy table makes a step wait for the next round rather than stall writers.
 */
export class PartitionMaintenance {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<MaintenanceReport | undefined> | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly retention: ActivitySettings,
    private readonly logger: Logger,
  ) {}

  /** Maintains now, then every `intervalMs` (default hourly). The timer keeps no process alive. */
  start(intervalMs = HOUR_MS): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.runOnce(), intervalMs);
    this.#timer.unref();
    void this.runOnce();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One round that never throws (failures are logged); rounds never overlap. */
  runOnce(now = new Date()): Promise<MaintenanceReport | undefined> {
    this.#running ??= this.maintain(now)
      .catch((error: unknown) => {
        this.logger.error('activity log maintenance failed; it runs again within the hour', {
          err: error,
        });
        return undefined;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** One round as of `now` (tests move the clock by passing it). */
  async maintain(now: Date): Promise<MaintenanceReport> {
    const report: MaintenanceReport = {
      ran: false,
      created: [],
      dropped: [],
      moved: 0,
      expired: 0,
      deletedRuns: 0,
    };
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [lock] = (await runner.query(`SELECT pg_try_advisory_lock(${LOCK}) AS locked`)) as [
        { locked: boolean },
      ];
      if (!lock.locked) return report;
      report.ran = true;
      try {
        const { retentionDays, detailRetentionDays, partitionsAhead } = this.retention;
        // Each part on its own: a lock that cannot be had now (a long backup holding a
        // partition) must not keep the others — above all tomorrow's partitions — from being done.
        const parts: Array<[string, () => Promise<unknown>]> = [
          [
            ACTIVITY_LOG.table,
            () => this.#table(runner, ACTIVITY_LOG, now, retentionDays, partitionsAhead, report),
          ],
          [
            ACTIVITY_DETAILS.table,
            () =>
              this.#table(
                runner,
                ACTIVITY_DETAILS,
                now,
                detailRetentionDays,
                partitionsAhead,
                report,
              ),
          ],
          [
            'runs',
            async () => {
              report.deletedRuns = await this.#deleteRuns(
                runner,
                retentionBoundary(now, retentionDays),
              );
            },
          ],
        ];
        for (const [part, work] of parts) {
          try {
            await work();
          } catch (error) {
            this.logger.warn(
              'activity log maintenance of one table failed; the next round retries',
              {
                table: part,
                error: error instanceof Error ? error.message : String(error),
              },
            );
          }
        }
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(${LOCK})`);
      }
    } finally {
      await runner.release();
    }
    if (
      report.created.length +
        report.dropped.length +
        report.moved +
        report.expired +
        report.deletedRuns >
      0
    ) {
      this.logger.info('activity log partitions maintained', {
        created: report.created,
        dropped: report.dropped,
        moved: report.moved,
        expired: report.expired,
        deletedRuns: report.deletedRuns,
      });
    }
    return report;
  }

  async #table(
    runner: QueryRunner,
    table: DayPartitionedTable,
    now: Date,
    retentionDays: number,
    ahead: number,
    report: MaintenanceReport,
  ): Promise<void> {
    const boundary = retentionBoundary(now, retentionDays);
    const fallback = defaultPartitionName(table);
    const existing = new Map<number, string>();
    const partitions = (await runner.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass`,
      [table.table],
    )) as Array<{ name: string }>;
    for (const { name } of partitions) {
      const day = partitionDay(table, name);
      if (day !== undefined) existing.set(day.getTime(), name);
    }
    // Days ahead, and any day within the window that has rows waiting in the DEFAULT partition.
    const waiting = (await runner.query(
      `SELECT DISTINCT to_char(${table.key} AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM ${fallback}`,
    )) as Array<{ day: string }>;
    const wanted = new Map<number, Date>();
    for (const day of [
      ...daysAhead(now, ahead),
      ...waiting.map((w) => new Date(`${w.day}T00:00:00Z`)),
    ])
      wanted.set(day.getTime(), day);
    for (const [time, day] of [...wanted].sort(([a], [b]) => a - b)) {
      if (existing.has(time) || day < boundary) continue;
      report.moved += await this.#step(runner, () => this.#createPartition(runner, table, day));
      report.created.push(partitionName(table, day));
    }
    // Then whole days past the window, with what the DEFAULT partition holds of them (after the
    // days ahead: a drop waits for its lock, creating tomorrow must not wait behind it).
    for (const [day, name] of [...existing].sort(([a], [b]) => a - b)) {
      if (addDays(new Date(day), 1) > boundary) continue;
      await this.#step(runner, () => runner.query(`DROP TABLE ${name}`));
      existing.delete(day);
      report.dropped.push(name);
    }
    report.expired += await this.#step(runner, async () => {
      const [, count] = (await runner.query(`DELETE FROM ${fallback} WHERE ${table.key} < $1`, [
        boundary,
      ])) as [unknown, number];
      return count;
    });
  }

  /**
   * Creates the day's partition beside the table, moves the DEFAULT partition's rows of that
   * day into it, and attaches it — in one transaction. Attaching takes a weaker lock on the
   * parent than CREATE TABLE … PARTITION OF, so reads and writes of other days go on.
   */
  async #createPartition(
    runner: QueryRunner,
    table: DayPartitionedTable,
    day: Date,
  ): Promise<number> {
    const name = partitionName(table, day);
    const fallback = defaultPartitionName(table);
    const range = [day.toISOString(), addDays(day, 1).toISOString()];
    await runner.query(
      `CREATE TABLE ${name} (LIKE ${table.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
    );
    // Writers of this day wait until the partition is attached, so none lands in DEFAULT meanwhile.
    await runner.query(`LOCK TABLE ${fallback} IN SHARE ROW EXCLUSIVE MODE`);
    const [moved] = (await runner.query(
      `WITH moved AS (DELETE FROM ${fallback} WHERE ${table.key} >= $1 AND ${table.key} < $2 RETURNING *),
            kept AS (INSERT INTO ${name} SELECT * FROM moved RETURNING 1)
       SELECT count(*)::int AS n FROM kept`,
      range,
    )) as [{ n: number }];
    await runner.query(
      `ALTER TABLE ${table.table} ATTACH PARTITION ${name} FOR VALUES FROM ('${range[0]}') TO ('${range[1]}')`,
    );
    await isolateTenantTable(runner, name);
    return moved.n;
  }

  /** Finished runs submitted before `boundary`, in batches (their events and outbox rows cascade). */
  async #deleteRuns(runner: QueryRunner, boundary: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.#step(runner, async () => {
        const [, count] = (await runner.query(
          `DELETE FROM runs WHERE id IN (
             SELECT id FROM runs WHERE status IN ('succeeded', 'failed', 'cancelled')
               AND submitted_at < $1 LIMIT ${RUN_DELETE_BATCH})`,
          [boundary],
        )) as [unknown, number];
        return count;
      });
      total += deleted;
      if (deleted < RUN_DELETE_BATCH) return total;
    }
  }

  /** `work` in a transaction of its own that gives up on a lock after 5 s. */
  async #step<T>(runner: QueryRunner, work: () => Promise<T>): Promise<T> {
    await runner.startTransaction();
    try {
      await runner.query(`SET LOCAL lock_timeout = '5s'`);
      const result = await work();
      await runner.commitTransaction();
      return result;
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    }
  }
}
