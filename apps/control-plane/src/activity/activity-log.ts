import { createHash } from 'node:crypto';
import {
  ACTIVITY_DETAIL_LEVELS,
  ACTIVITY_DETAIL_STEPS,
  MAX_ACTIVITY_DETAIL_TEXT,
  type ActivityDetailLevel,
  type ActivityDetailStep,
} from '@weft/log-schema';
import { selectRows } from '../database/sql.js';
import type { TenantTransaction } from '../database/tenant.js';
import { bindingFor, encryptedColumn } from '../keys/encrypted-columns.js';
import type { OrgKeys } from '../keys/org-keys.js';

export const MESSAGE_COLUMN = encryptedColumn('activity_log', 'message_ciphertext');
export const DETAIL_COLUMN = encryptedColumn('activity_details', 'text_ciphertext');

/** What the activity log needs of the organizations' data keys. */
export type ActivityKeys = Pick<OrgKeys, 'encrypt' | 'decrypt'>;

/** A run's message is cut to this many characters (the agent sends at most 2,000). */
export const MAX_ACTIVITY_MESSAGE = 2000;
/**
 * Detail lines kept per run. The agent sends at most ~200 per attempt; this bounds what a
 * misbehaving one can make the control plane store.
 */
export const MAX_DETAILS_PER_RUN = 2000;
/** How far before the gateway relayed it a line's own time may be (an agent's clock is its own). */
const MAX_DETAIL_CLOCK_SKEW_MS = 86_400_000;

export interface SubmittedRun {
  runId: string;
  /** A user's or an API key's id; null for schedules, chains and the platform. */
  submittedBy: string | null;
}

export interface RunChange {
  /** The run's message (why it failed): encrypted with the organization's key, bound to the run. */
  message?: string | null;
}

/** One line of a `run.log` event, as the agent sent it (validated here). */
export interface DetailLine {
  at: unknown;
  level: unknown;
  step?: unknown;
  text: unknown;
}

/**
 * The run's submission time exactly (PostgreSQL keeps microseconds; a JavaScript Date would
 * round them off and miss the row), to find its activity row in its day's partition.
 */
async function submittedKey(tx: TenantTransaction, runId: string): Promise<string | undefined> {
  const [run] = await selectRows<{ key: string }>(
    tx,
    `SELECT to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS key
     FROM runs WHERE org_id = $1 AND id = $2`,
    [tx.orgId, runId],
  );
  return run?.key;
}

/**
 * Writes the activity log, always inside the caller's transaction — the one that changes the
 * run — so a run and its activity row never disagree. The activity row mirrors the run's state
 * (copied from `runs`); what only the activity log keeps is the encrypted message and the
 * run's detail lines.
 */
export class ActivityLog {
  /** `keys` may be left out by writers that never carry a message (submitting, cancelling). */
  constructor(private readonly keys?: ActivityKeys) {}

  /** The row of a run just inserted into `runs`, in the same transaction. */
  async recordSubmitted(tx: TenantTransaction, run: SubmittedRun): Promise<void> {
    await tx.query(
      `INSERT INTO activity_log (org_id, run_id, environment_id, group_id, project_id,
         project_name, operation_id, revision, agent_id, status, submitted_at, submitted_by,
         submitted_by_kind, parent_run_id, retry_of)
       SELECT org_id, id, environment_id, group_id, project_id, project_name, operation_id,
         revision, agent_id, status, submitted_at, $3, submitted_by_kind, parent_run_id, retry_of
       FROM runs WHERE org_id = $1 AND id = $2`,
      [tx.orgId, run.runId, run.submittedBy],
    );
  }

  /**
   * Copies the run's current state onto its activity row (after the caller changed `runs` in
   * this transaction), and sets its message when `change` has one. A row whose state did not
   * change is left alone, so the stream sends nothing for it.
   */
  async recordChange(tx: TenantTransaction, runId: string, change: RunChange = {}): Promise<void> {
    const submitted = await submittedKey(tx, runId);
    if (submitted === undefined) return;
    const message =
      change.message === undefined || change.message === null
        ? undefined
        : await this.#keys().encrypt(
            tx,
            bindingFor(MESSAGE_COLUMN, tx.orgId, runId),
            change.message.slice(0, MAX_ACTIVITY_MESSAGE),
          );
    // The partition key from the run, so only its day's partition is touched.
    await tx.query(
      `UPDATE activity_log a
       SET status = r.status, agent_id = r.agent_id, started_at = r.started_at,
           completed_at = r.completed_at, records_read = r.records_read,
           records_written = r.records_written, records_failed = r.records_failed,
           error_code = r.error_code,
           message_ciphertext = CASE WHEN $4::boolean THEN $5 ELSE a.message_ciphertext END,
           key_version = CASE WHEN $4::boolean THEN $6 ELSE a.key_version END,
           updated_at = clock_timestamp()
       FROM runs r
       WHERE a.org_id = $1 AND a.submitted_at = $2::timestamptz AND a.run_id = $3
         AND r.org_id = $1 AND r.id = $3
         AND ($4::boolean OR (a.status, a.agent_id, a.started_at, a.completed_at, a.records_read,
               a.records_written, a.records_failed, a.error_code)
             IS DISTINCT FROM (r.status, r.agent_id, r.started_at, r.completed_at, r.records_read,
               r.records_written, r.records_failed, r.error_code))`,
      [
        tx.orgId,
        submitted,
        runId,
        message !== undefined,
        message?.ciphertext ?? null,
        message?.keyVersion ?? null,
      ],
    );
  }

  /**
   * Appends a `run.log` event's lines to the run's details (each line encrypted, numbered after
   * the run's earlier ones). `eventId` makes it idempotent: the same event delivered again adds
   * nothing. `relayedAt` (when the gateway published it) bounds each line's own time. Returns
   * how many lines were stored.
   */
  async recordDetails(
    tx: TenantTransaction,
    runId: string,
    eventId: string,
    relayedAt: Date,
    lines: readonly DetailLine[],
  ): Promise<number> {
    if (lines.length === 0) return 0;
    const submitted = await submittedKey(tx, runId);
    if (submitted === undefined) return 0;
    // The activity row's counter numbers the lines; its row lock orders concurrent appenders.
    const [row] = await selectRows<{ detail_seq: number }>(
      tx,
      `SELECT detail_seq FROM activity_log
       WHERE org_id = $1 AND submitted_at = $2::timestamptz AND run_id = $3 FOR UPDATE`,
      [tx.orgId, submitted, runId],
    );
    if (row === undefined) return 0;
    const ids = lines.map((_, index) => lineId(eventId, index));
    const earliest = new Date(relayedAt.getTime() - MAX_DETAIL_CLOCK_SKEW_MS);
    const [seen] = await selectRows<{ found: number }>(
      tx,
      `SELECT 1 AS found FROM activity_details
       WHERE org_id = $1 AND run_id = $2 AND id = $3 AND at >= $4 LIMIT 1`,
      [tx.orgId, runId, ids[0], earliest],
    );
    if (seen !== undefined) return 0;
    const room = Math.max(0, MAX_DETAILS_PER_RUN - row.detail_seq);
    const kept = lines.slice(0, room);
    if (kept.length === 0) return 0;
    const columns = {
      seq: [] as number[],
      at: [] as Date[],
      level: [] as ActivityDetailLevel[],
      step: [] as Array<ActivityDetailStep | null>,
      id: [] as string[],
      ciphertext: [] as string[],
      keyVersion: [] as number[],
    };
    for (const [index, line] of kept.entries()) {
      const id = ids[index]!;
      const text = typeof line.text === 'string' ? line.text : JSON.stringify(line.text ?? '');
      const sealed = await this.#keys().encrypt(
        tx,
        bindingFor(DETAIL_COLUMN, tx.orgId, id),
        text.slice(0, MAX_ACTIVITY_DETAIL_TEXT),
      );
      columns.seq.push(row.detail_seq + index + 1);
      columns.at.push(lineTime(line.at, earliest, relayedAt));
      columns.level.push(oneOf(line.level, ACTIVITY_DETAIL_LEVELS) ?? 'info');
      columns.step.push(oneOf(line.step, ACTIVITY_DETAIL_STEPS) ?? null);
      columns.id.push(id);
      columns.ciphertext.push(sealed.ciphertext);
      columns.keyVersion.push(sealed.keyVersion);
    }
    await tx.query(
      `INSERT INTO activity_details (org_id, run_id, seq, at, level, step, id, text_ciphertext, key_version)
       SELECT $1, $2, * FROM unnest($3::int[], $4::timestamptz[], $5::text[], $6::text[],
         $7::uuid[], $8::text[], $9::int[])`,
      [
        tx.orgId,
        runId,
        columns.seq,
        columns.at,
        columns.level,
        columns.step,
        columns.id,
        columns.ciphertext,
        columns.keyVersion,
      ],
    );
    await tx.query(
      `UPDATE activity_log SET detail_seq = $4
       WHERE org_id = $1 AND submitted_at = $2::timestamptz AND run_id = $3`,
      [tx.orgId, submitted, runId, row.detail_seq + kept.length],
    );
    return kept.length;
  }

  /** The decrypted message of a run (undefined when it has none, or no activity row). */
  async messageOf(tx: TenantTransaction, runId: string): Promise<string | undefined> {
    const submitted = await submittedKey(tx, runId);
    if (submitted === undefined) return undefined;
    const [row] = await selectRows<{ message_ciphertext: string | null }>(
      tx,
      `SELECT message_ciphertext FROM activity_log
       WHERE org_id = $1 AND submitted_at = $2::timestamptz AND run_id = $3`,
      [tx.orgId, submitted, runId],
    );
    if (row?.message_ciphertext == null) return undefined;
    return decryptText(this.#keys(), tx, MESSAGE_COLUMN, runId, row.message_ciphertext);
  }

  #keys(): ActivityKeys {
    if (this.keys === undefined) {
      throw new Error('this activity log was built without the organization keys');
    }
    return this.keys;
  }
}

/** Decrypts one activity ciphertext bound to `recordId`, as UTF-8 text. */
export async function decryptText(
  keys: ActivityKeys,
  tx: TenantTransaction,
  column: typeof MESSAGE_COLUMN,
  recordId: string,
  ciphertext: string,
): Promise<string> {
  const plaintext = await keys.decrypt(bindingFor(column, tx.orgId, recordId), ciphertext, tx);
  try {
    return plaintext.toString('utf8');
  } finally {
    plaintext.fill(0);
  }
}

/**
 * A detail line's id, derived from the event that carried it and its place there: the same
 * event applied twice yields the same ids, which is how a redelivery is recognised.
 */
function lineId(eventId: string, index: number): string {
  const hex = createHash('sha256').update(`weft.activity.detail|${eventId}|${index}`).digest('hex');
  // Shaped as a version-8 (custom) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function lineTime(value: unknown, earliest: Date, latest: Date): Date {
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(parsed)) return latest;
  return new Date(Math.min(Math.max(parsed, earliest.getTime()), latest.getTime()));
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value)
    ? (value as T)
    : undefined;
}
