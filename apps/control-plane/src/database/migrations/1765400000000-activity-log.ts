import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTable } from './1764200000000-tenant-isolation.js';

export const ACTIVITY_TABLES = ['activity_log', 'activity_details'] as const;

const RUN_STATUSES = `'pending', 'running', 'succeeded', 'failed', 'cancelled'`;
const SUBMITTER_KINDS = `'user', 'api_key', 'schedule', 'chain', 'system'`;
/** Days around the migration's own day that get a partition at once (the job adds the rest). */
const FIRST_DAYS = { before: 1, after: 7 };

/**
 * The activity log: one row per operation run (its status, counts and encrypted message) and
 * the run's detail lines (encrypted), each table partitioned by UTC day so that retention is a
 * DROP of whole partitions, not a DELETE of millions of rows. The runs table stays the dispatch
 * state; the activity row is written in the same transaction as each change to it.
 *
 * Row-level security and grants are on the partitioned parents, which is the only way the
 * tenant role reaches the rows (it has no grant on any partition). Each partition also has row
 * security enabled with the same policy, for anyone who reads a partition by name. A DEFAULT
 * partition catches rows for days that have no partition yet (a maintenance job that has not
 * run, a restored backup), so writing a run never fails for want of a partition; the job moves
 * such rows into their day's partition.
 */
export class ActivityLog1765400000000 implements MigrationInterface {
  name = 'ActivityLog1765400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE runs
        ADD COLUMN project_id uuid,
        ADD COLUMN project_name text CHECK (length(project_name) BETWEEN 1 AND 200),
        ADD COLUMN revision integer CHECK (revision >= 1),
        ADD COLUMN parent_run_id uuid,
        ADD COLUMN retry_of uuid,
        ADD COLUMN submitted_by_kind text NOT NULL DEFAULT 'system'
          CHECK (submitted_by_kind IN (${SUBMITTER_KINDS}))`);
    await db.query(`UPDATE runs SET submitted_by_kind = 'user' WHERE submitted_by IS NOT NULL`);
    // The maintenance job deletes finished runs past the activity window.
    await db.query(
      `CREATE INDEX runs_finished_idx ON runs (submitted_at)
       WHERE status IN ('succeeded', 'failed', 'cancelled')`,
    );

    await db.query(`
      CREATE TABLE activity_log (
        org_id uuid NOT NULL,
        run_id uuid NOT NULL,
        environment_id uuid NOT NULL,
        group_id uuid NOT NULL,
        project_id uuid,
        project_name text CHECK (length(project_name) BETWEEN 1 AND 200),
        operation_id text NOT NULL CHECK (length(operation_id) BETWEEN 1 AND 200),
        revision integer CHECK (revision >= 1),
        agent_id uuid,
        status text NOT NULL CHECK (status IN (${RUN_STATUSES})),
        submitted_at timestamptz NOT NULL,
        submitted_by uuid,
        submitted_by_kind text NOT NULL CHECK (submitted_by_kind IN (${SUBMITTER_KINDS})),
        started_at timestamptz,
        completed_at timestamptz,
        records_read bigint NOT NULL DEFAULT 0,
        records_written bigint NOT NULL DEFAULT 0,
        records_failed bigint NOT NULL DEFAULT 0,
        error_code text CHECK (length(error_code) <= 100),
        message_ciphertext text CHECK (message_ciphertext ~ '^wft1\\.'),
        key_version integer,
        detail_seq integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        parent_run_id uuid,
        retry_of uuid,
        CONSTRAINT activity_log_message_version
          CHECK ((message_ciphertext IS NULL) = (key_version IS NULL)),
        PRIMARY KEY (submitted_at, run_id),
        FOREIGN KEY (environment_id, org_id) REFERENCES environments (id, org_id) ON DELETE CASCADE
      ) PARTITION BY RANGE (submitted_at)`);
    // The list API: newest first within an environment, keyset on (submitted_at, run_id).
    await db.query(
      `CREATE INDEX activity_log_list_idx
       ON activity_log (org_id, environment_id, submitted_at DESC, run_id DESC)`,
    );
    // One per filter (bench/activity.ts measured each): a filter that matches few runs — the
    // ones running now, a project or an agent seldom used — would otherwise read every row of
    // the month in the list index to fill a page (200–330 ms at a million rows; 5–20 ms with).
    await db.query(
      `CREATE INDEX activity_log_status_idx
       ON activity_log (org_id, environment_id, status, submitted_at DESC, run_id DESC)`,
    );
    await db.query(
      `CREATE INDEX activity_log_project_idx
       ON activity_log (org_id, environment_id, project_id, submitted_at DESC, run_id DESC)
       WHERE project_id IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX activity_log_operation_idx
       ON activity_log (org_id, environment_id, operation_id, submitted_at DESC, run_id DESC)`,
    );
    await db.query(
      `CREATE INDEX activity_log_agent_idx
       ON activity_log (org_id, environment_id, agent_id, submitted_at DESC, run_id DESC)
       WHERE agent_id IS NOT NULL`,
    );
    // The stream: what changed since a point, in the order it changed.
    await db.query(
      `CREATE INDEX activity_log_changes_idx ON activity_log (org_id, environment_id, updated_at, run_id)`,
    );
    // Key rotation finds the (few) rows carrying a message under an old key version.
    await db.query(
      `CREATE INDEX activity_log_key_version_idx ON activity_log (org_id, key_version)
       WHERE key_version IS NOT NULL`,
    );

    await db.query(`
      CREATE TABLE activity_details (
        org_id uuid NOT NULL,
        run_id uuid NOT NULL,
        seq integer NOT NULL CHECK (seq >= 1),
        at timestamptz NOT NULL,
        level text NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        step text CHECK (step IN ('source', 'transformation', 'target', 'operation')),
        id uuid NOT NULL,
        text_ciphertext text NOT NULL CHECK (text_ciphertext ~ '^wft1\\.'),
        key_version integer NOT NULL,
        PRIMARY KEY (run_id, seq, at)
      ) PARTITION BY RANGE (at)`);

    for (const table of ACTIVITY_TABLES) {
      await isolateTenantTable(db, table, 'SELECT, INSERT, UPDATE');
      await this.#partition(db, table, `${table}_default`, 'DEFAULT');
      const today = Date.UTC(
        new Date().getUTCFullYear(),
        new Date().getUTCMonth(),
        new Date().getUTCDate(),
      );
      for (let offset = -FIRST_DAYS.before; offset <= FIRST_DAYS.after; offset += 1) {
        const from = new Date(today + offset * 86_400_000);
        const to = new Date(from.getTime() + 86_400_000);
        const day = from.toISOString().slice(0, 10).replaceAll('-', '');
        await this.#partition(
          db,
          table,
          `${table}_p${day}`,
          `FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
        );
      }
    }

    // Runs from before the activity log: their rows, without the message (it stays in
    // runs.message, plaintext, until the run expires). Rows of earlier days land in the DEFAULT
    // partition; the maintenance job moves them into partitions of their own.
    await db.query(`
      INSERT INTO activity_log (org_id, run_id, environment_id, group_id, operation_id, agent_id,
        status, submitted_at, submitted_by, submitted_by_kind, started_at, completed_at,
        records_read, records_written, records_failed, error_code, updated_at)
      SELECT org_id, id, environment_id, group_id, operation_id, agent_id, status, submitted_at,
        submitted_by, submitted_by_kind, started_at, completed_at, records_read, records_written,
        records_failed, error_code, COALESCE(completed_at, started_at, submitted_at)
      FROM runs`);
  }

  async #partition(db: QueryRunner, table: string, name: string, bounds: string): Promise<void> {
    await db.query(`CREATE TABLE ${name} PARTITION OF ${table} ${bounds}`);
    await isolateTenantTable(db, name);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE activity_details, activity_log`);
    await db.query(`DROP INDEX runs_finished_idx`);
    await db.query(`
      ALTER TABLE runs DROP COLUMN submitted_by_kind, DROP COLUMN retry_of,
        DROP COLUMN parent_run_id, DROP COLUMN revision, DROP COLUMN project_name,
        DROP COLUMN project_id`);
  }
}
