import { isIP } from 'node:net';
import { Fields } from './internal/fields.js';

export const AUDIT_ACTOR_TYPES = ['user', 'agent', 'system', 'api_key'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/** `allowed`/`denied` record an access decision; `succeeded`/`failed` the action's result. */
export const AUDIT_OUTCOMES = ['allowed', 'denied', 'succeeded', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One entry of an organization's audit trail: who did what to which thing, and how it ended. */
export interface AuditEventV1 {
  v: 1;
  id: string;
  /** ISO 8601 */
  time: string;
  orgId: string;
  actor: { type: AuditActorType; id: string };
  /** An action name from @weft/rbac's catalogue, e.g. `project.deploy`. */
  action: string;
  target: { type: string; id: string };
  outcome: AuditOutcome;
  requestId?: string;
  /** IPv4 or IPv6 address of the caller. */
  ip?: string;
  /** Action-specific data; already redacted by the writer. */
  details?: Record<string, unknown>;
}

const SUBJECT = { code: 'INVALID_AUDIT_EVENT', name: 'audit event' } as const;

/** Validates an audit event from an untrusted source; unknown fields are dropped. */
export function parseAuditEvent(value: unknown): AuditEventV1 {
  const fields = Fields.of(value, SUBJECT);
  const event: AuditEventV1 = {
    v: fields.version(1),
    id: fields.id('id'),
    time: fields.time('time'),
    orgId: fields.id('orgId'),
    actor: readActor(fields.nested('actor')),
    action: fields.id('action'),
    target: readTarget(fields.nested('target')),
    outcome: fields.oneOf('outcome', AUDIT_OUTCOMES),
  };
  const requestId = fields.optionalId('requestId');
  if (requestId !== undefined) event.requestId = requestId;
  const ip = fields.optionalString('ip', 64);
  if (ip !== undefined) {
    if (isIP(ip) === 0) fields.fail('ip', 'must be an IPv4 or IPv6 address');
    event.ip = ip;
  }
  const details = fields.optionalObject('details');
  if (details !== undefined) event.details = details;
  return event;
}

function readActor(actor: Fields): AuditEventV1['actor'] {
  return { type: actor.oneOf('type', AUDIT_ACTOR_TYPES), id: actor.id('id') };
}

function readTarget(target: Fields): AuditEventV1['target'] {
  return { type: target.id('type'), id: target.id('id') };
}
