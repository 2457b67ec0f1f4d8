import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Makes the audit trail tamper-evident and append-only.
 *
 * - Hash chain per organization: each event gets the next `seq` and
 *   `hash = sha256(prev_hash || canonical payload)`, computed by a trigger under a per-org lock,
 *   so no code path can insert an event outside the chain. Changing, removing or reordering a
 *   stored event breaks every later link (`verifyAuditChain`).
 * - No UPDATE and no TRUNCATE for anyone; DELETE only for the retention purge, which must say so
 *   (`SET LOCAL weft.audit_purge = 'on'`). The chain then restarts from the oldest kept event's
 *   `prev_hash`, which stays verifiable.
 * - Events outlive their organization: no foreign key, so deleting an org keeps its trail.
 * - A restore (src/backup) sets `weft.audit_restore` for its transaction and loads events with
 *   their stored links; `verifyAuditChain` then proves they are intact.
 */
export class AuditChain1764300000000 implements MigrationInterface {
  name = 'AuditChain1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_org_id_fkey`);
    await db.query(`
      ALTER TABLE audit_events
        ADD COLUMN seq bigint,
        ADD COLUMN prev_hash bytea,
        ADD COLUMN hash bytea`);
    // Events written before the chain existed join it in their order.
    await db.query(`
      WITH ordered AS (
        SELECT id, row_number() OVER (PARTITION BY org_id ORDER BY occurred_at, id) AS n
        FROM audit_events)
      UPDATE audit_events e SET seq = o.n FROM ordered o WHERE o.id = e.id`);
    await db.query(`
      CREATE FUNCTION audit_event_payload(e audit_events) RETURNS bytea
      LANGUAGE sql STABLE AS $$
        SELECT convert_to(jsonb_build_array(
          e.org_id, e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
          e.actor_type, e.actor_id, e.action, e.target_type, e.target_id, e.outcome,
          e.environment_id, e.request_id, host(e.ip), e.details)::text, 'UTF8')
      $$`);
    await db.query(`
      DO $$
      DECLARE e audit_events; previous bytea;
      BEGIN
        FOR e IN SELECT * FROM audit_events ORDER BY org_id, seq LOOP
          IF e.seq = 1 THEN previous := '\\x'::bytea; END IF;
          UPDATE audit_events SET prev_hash = previous,
            hash = sha256(previous || audit_event_payload(e)) WHERE id = e.id
          RETURNING hash INTO previous;
        END LOOP;
      END $$`);
    await db.query(`
      ALTER TABLE audit_events
        ALTER COLUMN seq SET NOT NULL,
        ALTER COLUMN prev_hash SET NOT NULL,
        ALTER COLUMN hash SET NOT NULL,
        ADD CONSTRAINT audit_events_org_seq_key UNIQUE (org_id, seq)`);
    await db.query(`
      CREATE FUNCTION audit_events_chain() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE last audit_events;
      BEGIN
        -- A restore loads events with their links as they were.
        IF current_setting('weft.audit_restore', true) = 'on' AND NEW.hash IS NOT NULL THEN
          RETURN NEW;
        END IF;
        -- One writer per organization at a time, so every event links to the one before it.
        PERFORM pg_advisory_xact_lock(hashtext('weft.audit-chain:' || NEW.org_id::text));
        SELECT * INTO last FROM audit_events WHERE org_id = NEW.org_id ORDER BY seq DESC LIMIT 1;
        NEW.seq := coalesce(last.seq, 0) + 1;
        NEW.prev_hash := coalesce(last.hash, '\\x'::bytea);
        NEW.occurred_at := coalesce(NEW.occurred_at, clock_timestamp());
        NEW.hash := sha256(NEW.prev_hash || audit_event_payload(NEW));
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_chain()`);
    await db.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('weft.audit_purge', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await db.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER audit_events_no_truncate ON audit_events`);
    await db.query(`DROP TRIGGER audit_events_append_only ON audit_events`);
    await db.query(`DROP FUNCTION audit_events_append_only()`);
    await db.query(`DROP TRIGGER audit_events_chain ON audit_events`);
    await db.query(`DROP FUNCTION audit_events_chain()`);
    await db.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_org_seq_key`);
    await db.query(`DROP FUNCTION audit_event_payload(audit_events)`);
    await db.query(
      `ALTER TABLE audit_events DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash`,
    );
    await db.query(`
      ALTER TABLE audit_events ADD CONSTRAINT audit_events_org_id_fkey
        FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE`);
  }
}
