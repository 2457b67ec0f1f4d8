import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TENANT_ROLE } from './1764200000000-tenant-isolation.js';

const CURRENT_ORG = `NULLIF(current_setting('weft.org_id', true), '')::uuid`;
export const RUN_TABLES = ['runs', 'run_events', 'run_outbox'] as const;

/**
 * Operation runs, what happened to each (hand-overs between agents, ignored late outcomes), and
 * the transactional outbox that publishes a run to its agent group's queue only after the
 * transaction that created it committed.
 */
export class Runs1765000000000 implements MigrationInterface {
  name = 'Runs1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        environment_id uuid NOT NULL,
        group_id uuid NOT NULL,
        operation_id text NOT NULL CHECK (length(operation_id) BETWEEN 1 AND 200),
        operation jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 20),
        agent_id uuid,
        submitted_by uuid REFERENCES users(id) ON DELETE SET NULL,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        completed_at timestamptz,
        records_read bigint NOT NULL DEFAULT 0,
        records_written bigint NOT NULL DEFAULT 0,
        records_failed bigint NOT NULL DEFAULT 0,
        error_code text CHECK (length(error_code) <= 100),
        message text CHECK (length(message) <= 2000),
        cancel_requested_at timestamptz,
        UNIQUE (id, org_id),
        FOREIGN KEY (environment_id, org_id) REFERENCES environments (id, org_id) ON DELETE CASCADE,
        FOREIGN KEY (group_id, org_id) REFERENCES agent_groups (id, org_id) ON DELETE CASCADE
      )`);
    await db.query(
      `CREATE INDEX runs_environment_idx ON runs (org_id, environment_id, submitted_at DESC)`,
    );
    await db.query(`
      CREATE TABLE run_events (
        id bigserial PRIMARY KEY,
        org_id uuid NOT NULL,
        run_id uuid NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        kind text NOT NULL CHECK (kind IN
          ('handed_over', 'released', 'gave_up', 'cancel_requested', 'outcome_ignored')),
        agent_id uuid,
        attempt integer,
        detail text CHECK (length(detail) <= 500),
        FOREIGN KEY (run_id, org_id) REFERENCES runs (id, org_id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX run_events_run_idx ON run_events (run_id, id)`);
    // What the relay still has to publish; a row is deleted once JetStream acknowledged it.
    await db.query(`
      CREATE TABLE run_outbox (
        id bigserial PRIMARY KEY,
        org_id uuid NOT NULL,
        run_id uuid NOT NULL,
        subject text NOT NULL CHECK (length(subject) <= 300),
        message bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (run_id, org_id) REFERENCES runs (id, org_id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX run_outbox_due_idx ON run_outbox (next_attempt_at, id)`);
    for (const table of RUN_TABLES) {
      await db.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await db.query(
        `CREATE POLICY tenant_isolation ON ${table} TO ${TENANT_ROLE}
         USING (org_id = ${CURRENT_ORG}) WITH CHECK (org_id = ${CURRENT_ORG})`,
      );
      await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${TENANT_ROLE}`);
    }
    await db.query(
      `GRANT USAGE ON SEQUENCE run_events_id_seq, run_outbox_id_seq TO ${TENANT_ROLE}`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE run_outbox, run_events, runs`);
  }
}
