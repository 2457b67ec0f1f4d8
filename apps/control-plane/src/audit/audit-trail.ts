import type { AuditActorType, AuditOutcome } from '@weft/log-schema';
import { isAction, type Action } from '@weft/rbac';
import type { Queryable } from '../database/sql.js';
import { UUID_PATTERN, isUuid } from '../database/ids.js';

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

export interface AuditQuery {
  action?: string;
  targetType?: string;
  targetId?: string;
  environmentId?: string;
  actorId?: string;
  /** ISO 8601 bounds on `occurredAt`: since inclusive, until exclusive. */
  since?: Date;
  until?: Date;
  /** 1–500, default 100. */
  limit?: number;
  /** From the previous page's `nextCursor`. */
  cursor?: string;
}

export interface AuditEvent {
  id: string;
  /** Position in the organization's hash chain, from 1. */
  seq: number;
  /** SHA-256 (hex) over the previous event's hash and this event's content. */
  hash: string;
  occurredAt: string;
  actor: AuditActor;
  action: string;
  target: { type: string; id: string };
  outcome: string;
  environmentId: string | null;
  requestId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

const AUDIT_ERROR = Symbol.for('weft.control-plane.audit-error');

/** A malformed audit query; `field` names the parameter. */
export class AuditQueryError extends Error {
  readonly [AUDIT_ERROR] = true;
  readonly code = 'AUDIT_QUERY_INVALID';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
  static is(value: unknown): value is AuditQueryError {
    return typeof value === 'object' && value !== null && AUDIT_ERROR in value;
  }
}

const AUDIT_QUERY_PARAMETERS = [
  'action',
  'targetType',
  'targetId',
  'environmentId',
  'actorId',
  'since',
  'until',
  'limit',
  'cursor',
];

/** Parses query-string parameters into an AuditQuery; throws AuditQueryError naming the parameter. */
export function parseAuditQuery(params: Record<string, unknown>): AuditQuery {
  const unknown = Object.keys(params).filter((name) => !AUDIT_QUERY_PARAMETERS.includes(name));
  if (unknown[0] !== undefined) {
    throw new AuditQueryError(unknown[0], `unknown parameter "${unknown[0]}"`);
  }
  const text = (name: string, pattern: RegExp, what: string): string | undefined => {
    const value = params[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new AuditQueryError(name, `${name} must be ${what}`);
    }
    return value;
  };
  const date = (name: string): Date | undefined => {
    const value = text(name, /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/, 'an ISO 8601 time');
    if (value === undefined) return undefined;
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime()))
      throw new AuditQueryError(name, `${name} must be an ISO 8601 time`);
    return parsed;
  };
  const limitText = text('limit', /^\d{1,3}$/, 'a whole number from 1 to 500');
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && (limit < 1 || limit > 500)) {
    throw new AuditQueryError('limit', 'limit must be a whole number from 1 to 500');
  }
  const query: AuditQuery = {};
  const assign = <K extends keyof AuditQuery>(key: K, value: AuditQuery[K] | undefined) => {
    if (value !== undefined) query[key] = value;
  };
  assign('action', text('action', /^[a-z_]+\.[a-z_]+$/, 'an action name such as secret.resolve'));
  assign('targetType', text('targetType', /^[a-z_]{1,64}$/, 'a record type such as secret'));
  assign('targetId', text('targetId', /^[A-Za-z0-9_.:-]{1,256}$/, 'an id'));
  assign('environmentId', text('environmentId', UUID_PATTERN, 'an environment id'));
  assign('actorId', text('actorId', /^[A-Za-z0-9_.:-]{1,256}$/, 'an id'));
  assign('since', date('since'));
  assign('until', date('until'));
  assign('limit', limit);
  assign('cursor', text('cursor', /^[A-Za-z0-9_-]{1,200}$/, 'a cursor from a previous page'));
  return query;
}

/**
 * Reads an organization's audit trail, newest first, with keyset paging on (occurred_at, id):
 * stable under concurrent appends, and as fast on page 1,000 as on page 1.
 */
export async function listAudit(
  db: Queryable,
  orgId: string,
  query: AuditQuery,
): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
  const limit = query.limit ?? 100;
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rows = (await db.query(
    `SELECT id, seq::text AS seq, encode(hash, 'hex') AS hash, occurred_at, actor_type, actor_id,
            action, target_type, target_id, outcome, environment_id, request_id, host(ip) AS ip,
            details,
            to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position
     FROM audit_events
     WHERE org_id = $1
       AND ($2::text IS NULL OR action = $2)
       AND ($3::text IS NULL OR target_type = $3)
       AND ($4::text IS NULL OR target_id = $4)
       AND ($5::uuid IS NULL OR environment_id = $5)
       AND ($6::text IS NULL OR actor_id = $6)
       AND ($7::timestamptz IS NULL OR occurred_at >= $7)
       AND ($8::timestamptz IS NULL OR occurred_at < $8)
       AND ($9::timestamptz IS NULL OR (occurred_at, id) < ($9::timestamptz, $10::uuid))
     ORDER BY occurred_at DESC, id DESC
     LIMIT $11`,
    [
      orgId,
      query.action ?? null,
      query.targetType ?? null,
      query.targetId ?? null,
      query.environmentId ?? null,
      query.actorId ?? null,
      query.since?.toISOString() ?? null,
      query.until?.toISOString() ?? null,
      after?.position ?? null,
      after?.id ?? null,
      limit + 1,
    ],
  )) as Array<{
    id: string;
    seq: string;
    hash: string;
    occurred_at: Date;
    actor_type: AuditActor['type'];
    actor_id: string;
    action: string;
    target_type: string;
    target_id: string;
    outcome: string;
    environment_id: string | null;
    request_id: string | null;
    ip: string | null;
    details: Record<string, unknown>;
    position: string;
  }>;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    events: page.map((row) => ({
      id: row.id,
      seq: Number(row.seq),
      hash: row.hash,
      occurredAt: row.occurred_at.toISOString(),
      actor: { type: row.actor_type, id: row.actor_id },
      action: row.action,
      target: { type: row.target_type, id: row.target_id },
      outcome: row.outcome,
      environmentId: row.environment_id,
      requestId: row.request_id,
      ip: row.ip,
      details: row.details,
    })),
    // Microsecond position from PostgreSQL itself: a JS Date would round it to milliseconds.
    nextCursor:
      rows.length > limit && last
        ? Buffer.from(`${last.position}|${last.id}`).toString('base64url')
        : null,
  };
}

function decodeCursor(cursor: string): { position: string; id: string } {
  const [position, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (
    position === undefined ||
    id === undefined ||
    !isUuid(id) ||
    Number.isNaN(new Date(position).getTime())
  ) {
    throw new AuditQueryError('cursor', 'cursor must be a cursor from a previous page');
  }
  return { position, id };
}

export interface AuditChainReport {
  /** Events checked, oldest first. */
  checked: number;
  /** True when every event's hash matches its content and links to the event before it. */
  intact: boolean;
  /** The first event whose content or link does not match, when not intact. */
  firstBroken?: { seq: number; id: string; reason: 'content' | 'link' | 'gap' };
}

/**
 * Recomputes an organization's audit hash chain: every event's hash over its stored content and
 * the previous event's hash. One pass in SQL; a changed, removed or reordered event is found.
 */
export async function verifyAuditChain(db: Queryable, orgId: string): Promise<AuditChainReport> {
  const rows = (await db.query(
    `SELECT id, seq::int AS seq,
            hash = sha256(prev_hash || audit_event_payload(e)) AS content_ok,
            CASE WHEN lag(hash) OVER w IS NULL THEN seq > 1 OR prev_hash = '\\x'::bytea
                 ELSE prev_hash = lag(hash) OVER w END AS link_ok,
            seq = coalesce(lag(seq) OVER w + 1, seq) AS gap_ok
     FROM audit_events e WHERE org_id = $1
     WINDOW w AS (ORDER BY seq)
     ORDER BY seq`,
    [orgId],
  )) as Array<{ id: string; seq: number; content_ok: boolean; link_ok: boolean; gap_ok: boolean }>;
  for (const row of rows) {
    const reason = !row.content_ok
      ? 'content'
      : !row.link_ok
        ? 'link'
        : !row.gap_ok
          ? 'gap'
          : undefined;
    if (reason !== undefined) {
      return {
        checked: rows.length,
        intact: false,
        firstBroken: { seq: row.seq, id: row.id, reason },
      };
    }
  }
  return { checked: rows.length, intact: true };
}

/**
 * Records a change a person made to their own account (password, second factor) in the trail of
 * every organization they belong to: each organization's administrators see it.
 */
export async function recordPersonalChange(
  tx: Queryable,
  userId: string,
  action: Action,
  details: Record<string, string | number | boolean | null>,
  ip?: string,
): Promise<void> {
  const orgs = (await tx.query(`SELECT org_id FROM memberships WHERE user_id = $1`, [
    userId,
  ])) as Array<{ org_id: string }>;
  await recordAudit(
    tx,
    orgs.map(({ org_id: orgId }) => ({
      orgId,
      actor: { type: 'user' as const, id: userId },
      action,
      target: { type: 'user', id: userId },
      outcome: 'succeeded' as const,
      ...(ip !== undefined ? { ip } : {}),
      details,
    })),
  );
}
