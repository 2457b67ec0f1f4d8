import type { AuditActorType, AuditOutcome } from '@weft/log-schema';
import { isAction, type Action } from '@weft/rbac';
import type { Queryable } from '../database/sql.js';

/** Who did something: a user, an agent, the platform itself. Ids only. */
export interface AuditActor {
  type: AuditActorType;
  id: string;
}

/** One entry of an organization's audit trail. `details` holds ids and names, never data or secrets. */
export interface AuditRecord {
  orgId: string;
  actor: AuditActor;
  action: Action;
  target: { type: string; id: string };
  outcome: AuditOutcome;
  environmentId?: string;
  requestId?: string;
  ip?: string;
  details?: Record<string, string | number | boolean | null>;
}

/**
 * Appends records to the audit trail in the caller's transaction, so an action and its record
 * commit (or roll back) together. One statement however many records.
 */
export async function recordAudit(tx: Queryable, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  for (const record of records) {
    // The catalogue is the vocabulary of the trail: an unknown action is a programming error.
    if (!isAction(record.action)) throw new Error(`"${record.action}" is not a catalogue action`);
  }
  const rows = records.map((r) => ({
    org_id: r.orgId,
    actor_type: r.actor.type,
    actor_id: r.actor.id,
    action: r.action,
    target_type: r.target.type,
    target_id: r.target.id,
    outcome: r.outcome,
    environment_id: r.environmentId ?? null,
    request_id: r.requestId ?? null,
    ip: r.ip ?? null,
    details: r.details ?? {},
  }));
  await tx.query(
    `INSERT INTO audit_events (org_id, actor_type, actor_id, action, target_type, target_id,
                               outcome, environment_id, request_id, ip, details)
     SELECT org_id, actor_type, actor_id, action, target_type, target_id,
            outcome, environment_id, request_id, ip, details
     FROM jsonb_to_recordset($1::jsonb) AS r(
       org_id uuid, actor_type text, actor_id text, action text, target_type text, target_id text,
       outcome text, environment_id uuid, request_id text, ip inet, details jsonb)`,
    [JSON.stringify(rows)],
  );
}
