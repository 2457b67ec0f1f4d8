import type { ActivityDetailV1, ActivityRecordV1 } from '@weft/log-schema';
import type { DataSource } from 'typeorm';
import { isUuid } from '../database/ids.js';
import { selectRows } from '../database/sql.js';
import { inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import { ActivityError } from './activity-error.js';
import {
  encodeCursor,
  type ActivityFilters,
  type ActivityListQuery,
  type ActivityPosition,
} from './activity-filters.js';
import {
  DETAIL_COLUMN,
  MAX_DETAILS_PER_RUN,
  MESSAGE_COLUMN,
  decryptText,
  type ActivityKeys,
} from './activity-log.js';
import { ACTIVITY_COLUMNS, toActivityRecord, type ActivityRow } from './activity-view.js';

/**
 * A change is shown once it is this old: a transaction that started before it may still commit
 * a change with an earlier time. Waiting this long lets a stream hand out each change exactly
 * once, in order, and resume from an event id without gaps.
 */
export const STREAM_SETTLE_MS = 2000;
/** Sorts after every run id: a stream that starts "now" has seen everything up to now. */
const LAST_RUN_ID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
const MICROSECONDS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export interface ActivityPage {
  items: ActivityRecordV1[];
  /** Present when there may be older rows: pass it back as `cursor`. */
  nextCursor?: string;
}

export interface ActivityChange {
  record: ActivityRecordV1;
  /** The stream's event id for this change. */
  eventId: string;
  position: ActivityPosition;
}

/**
 * Reads the activity log of one environment, under row-level security: the list API (keyset
 * pages, newest first), a run's detail lines, and the changes a stream sends. Messages and
 * detail lines are decrypted here, with the organization's key.
 */
export class ActivityQuery {
  constructor(
    private readonly db: DataSource,
    private readonly keys: ActivityKeys,
  ) {}

  async list(orgId: OrgId, environmentId: string, query: ActivityListQuery): Promise<ActivityPage> {
    return inTenant(this.db, orgId, async (tx) => {
      const params: unknown[] = [orgId, environmentId];
      const where = filterConditions(query.filters, params);
      if (query.after !== undefined) {
        params.push(query.after.time, query.after.runId);
        const [time, run] = [`$${params.length - 1}::timestamptz`, `$${params.length}::uuid`];
        // The plain bound lets the planner skip the partitions of newer days.
        where.push(`submitted_at <= ${time}`, `(submitted_at, run_id) < (${time}, ${run})`);
      }
      params.push(query.limit + 1);
      const rows = await selectRows<ActivityRow>(
        tx,
        `SELECT ${ACTIVITY_COLUMNS} FROM activity_log WHERE ${where.join(' AND ')}
         ORDER BY submitted_at DESC, run_id DESC LIMIT $${params.length}`,
        params,
      );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: await this.#records(tx, page),
        ...(rows.length > query.limit && last !== undefined
          ? { nextCursor: encodeCursor('list', { time: last.submitted_key, runId: last.run_id }) }
          : {}),
      };
    });
  }

  /** Where a stream that resumes from nowhere starts: everything settled so far counts as seen. */
  async streamStart(orgId: OrgId): Promise<ActivityPosition> {
    return inTenant(this.db, orgId, async (tx) => {
      const [row] = await selectRows<{ time: string }>(
        tx,
        `SELECT to_char((clock_timestamp() - make_interval(secs => $1)) AT TIME ZONE 'UTC', ${MICROSECONDS}) AS time`,
        [STREAM_SETTLE_MS / 1000],
      );
      return { time: row!.time, runId: LAST_RUN_ID };
    });
  }

  /** Settled changes after `after`, oldest first, at most `limit`. */
  async changes(
    orgId: OrgId,
    environmentId: string,
    filters: ActivityFilters,
    after: ActivityPosition,
    limit: number,
  ): Promise<ActivityChange[]> {
    return inTenant(this.db, orgId, async (tx) => {
      const params: unknown[] = [orgId, environmentId];
      const where = filterConditions(filters, params);
      params.push(after.time, after.runId, STREAM_SETTLE_MS / 1000, limit);
      const n = params.length;
      const rows = await selectRows<ActivityRow>(
        tx,
        `SELECT ${ACTIVITY_COLUMNS} FROM activity_log
         WHERE ${where.join(' AND ')} AND updated_at >= $${n - 3}::timestamptz
           AND (updated_at, run_id) > ($${n - 3}::timestamptz, $${n - 2}::uuid)
           AND updated_at < clock_timestamp() - make_interval(secs => $${n - 1})
         ORDER BY updated_at, run_id LIMIT $${n}`,
        params,
      );
      const records = await this.#records(tx, rows);
      return rows.map((row, index) => {
        const position = { time: row.updated_key, runId: row.run_id };
        return { record: records[index]!, position, eventId: encodeCursor('stream', position) };
      });
    });
  }

  /** A run's detail lines in order (kept for fewer days than the run's activity row). */
  async details(
    orgId: OrgId,
    environmentId: string,
    runId: string,
  ): Promise<{ items: ActivityDetailV1[] }> {
    if (!isUuid(runId)) throw runNotFound();
    return inTenant(this.db, orgId, async (tx) => {
      const [run] = await selectRows<{ submitted_at: Date }>(
        tx,
        `SELECT submitted_at FROM runs WHERE org_id = $1 AND environment_id = $2 AND id = $3`,
        [orgId, environmentId, runId],
      );
      if (run === undefined) throw runNotFound();
      const rows = await selectRows<{
        seq: number;
        at: Date;
        level: ActivityDetailV1['level'];
        step: ActivityDetailV1['step'] | null;
        id: string;
        text_ciphertext: string;
      }>(
        tx,
        // Lines are never older than a day before their run (see ActivityLog.recordDetails).
        `SELECT seq, at, level, step, id, text_ciphertext FROM activity_details
         WHERE org_id = $1 AND run_id = $2 AND at >= $3::timestamptz - interval '1 day'
         ORDER BY seq LIMIT ${MAX_DETAILS_PER_RUN}`,
        [orgId, runId, run.submitted_at],
      );
      const items: ActivityDetailV1[] = [];
      for (const row of rows) {
        const text = await decryptText(this.keys, tx, DETAIL_COLUMN, row.id, row.text_ciphertext);
        items.push({
          v: 1,
          runId,
          seq: row.seq,
          at: row.at.toISOString(),
          level: row.level,
          ...(row.step === null ? {} : { step: row.step }),
          text,
        });
      }
      return { items };
    });
  }

  async #records(tx: TenantTransaction, rows: readonly ActivityRow[]): Promise<ActivityRecordV1[]> {
    const records: ActivityRecordV1[] = [];
    for (const row of rows) {
      const message =
        row.message_ciphertext === null
          ? undefined
          : await decryptText(this.keys, tx, MESSAGE_COLUMN, row.run_id, row.message_ciphertext);
      records.push(toActivityRecord(row, message));
    }
    return records;
  }
}

/** SQL conditions for `filters` (parameters appended to `params`); org and environment first. */
function filterConditions(filters: ActivityFilters, params: unknown[]): string[] {
  const where = ['org_id = $1', 'environment_id = $2'];
  const add = (sql: (placeholder: string) => string, value: unknown): void => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filters.projectId !== undefined) add((p) => `project_id = ${p}::uuid`, filters.projectId);
  if (filters.operationId !== undefined) add((p) => `operation_id = ${p}`, filters.operationId);
  if (filters.agentId !== undefined) add((p) => `agent_id = ${p}::uuid`, filters.agentId);
  if (filters.statuses !== undefined) add((p) => `status = ANY(${p}::text[])`, filters.statuses);
  if (filters.from !== undefined) add((p) => `submitted_at >= ${p}::timestamptz`, filters.from);
  if (filters.to !== undefined) add((p) => `submitted_at < ${p}::timestamptz`, filters.to);
  return where;
}

function runNotFound(): ActivityError {
  return new ActivityError('NOT_FOUND', 'no such run in this environment');
}
