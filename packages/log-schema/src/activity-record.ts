import { Fields } from './internal/fields.js';

/** The life of one operation run, as shown in the activity log. */
export const ACTIVITY_STATUSES = [
  'pending',
  'submitted',
  'running',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];

/** One operation run in the activity log (kept 31 days; its message 5 days). */
export interface ActivityRecordV1 {
  v: 1;
  id: string;
  orgId: string;
  environmentId: string;
  operationId: string;
  /** Set once an agent has picked the run up. */
  agentId?: string;
  status: ActivityStatus;
  /** ISO 8601 */
  submittedAt: string;
  startedAt?: string;
  completedAt?: string;
  /** Who or what started the run: a user id, an API key id, a schedule id. */
  submittedBy: string;
  recordsRead: number;
  recordsWritten: number;
  recordsFailed: number;
  /** Troubleshooting detail or text the operation asked to log. */
  message?: string;
}

const SUBJECT = { code: 'INVALID_ACTIVITY_RECORD', name: 'activity record' } as const;

/** Validates an activity record from an agent or a database row; unknown fields are dropped. */
export function parseActivityRecord(value: unknown): ActivityRecordV1 {
  const fields = Fields.of(value, SUBJECT);
  const record: ActivityRecordV1 = {
    v: fields.version(1),
    id: fields.id('id'),
    orgId: fields.id('orgId'),
    environmentId: fields.id('environmentId'),
    operationId: fields.id('operationId'),
    status: fields.oneOf('status', ACTIVITY_STATUSES),
    submittedAt: fields.time('submittedAt'),
    submittedBy: fields.id('submittedBy'),
    recordsRead: fields.count('recordsRead'),
    recordsWritten: fields.count('recordsWritten'),
    recordsFailed: fields.count('recordsFailed'),
  };
  const agentId = fields.optionalId('agentId');
  if (agentId !== undefined) record.agentId = agentId;
  const startedAt = fields.optionalTime('startedAt');
  if (startedAt !== undefined) record.startedAt = startedAt;
  const completedAt = fields.optionalTime('completedAt');
  if (completedAt !== undefined) record.completedAt = completedAt;
  const message = fields.optionalString('message');
  if (message !== undefined) record.message = message;
  return record;
}
