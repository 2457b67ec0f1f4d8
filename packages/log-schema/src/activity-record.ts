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

/** Who or what started a run. */
export const ACTIVITY_SUBMITTER_KINDS = ['user', 'api_key', 'schedule', 'chain', 'system'] as const;
export type ActivitySubmitterKind = (typeof ACTIVITY_SUBMITTER_KINDS)[number];

/** One operation run in the activity log (kept 31 days; its detail lines 5 days). */
export interface ActivityRecordV1 {
  v: 1;
  /** The run's id. */
  id: string;
  orgId: string;
  environmentId: string;
  /** The agent group the run was sent to. */
  groupId?: string;
  /** The project and revision the operation belongs to, for runs of a deployed project. */
  projectId?: string;
  projectName?: string;
  revision?: number;
  operationId: string;
  /** Set once an agent has picked the run up. */
  agentId?: string;
  status: ActivityStatus;
  /** ISO 8601 */
  submittedAt: string;
  startedAt?: string;
  completedAt?: string;
  /**
   * Who or what started the run: a user id, an API key id, a schedule id; the kind's name when
   * no id applies (`system`, `chain`).
   */
  submittedBy: string;
  submittedByKind?: ActivitySubmitterKind;
  recordsRead: number;
  recordsWritten: number;
  recordsFailed: number;
  /** Why a run failed or was cancelled: a stable code (`attempts_exhausted`, a connector's). */
  errorCode?: string;
  /** Troubleshooting detail or text the operation asked to log. */
  message?: string;
  /** The run whose outcome started this one (an on-success / on-failure chain). */
  parentRunId?: string;
  /** The failed or cancelled run this one retries. */
  retryOf?: string;
  /** When the record last changed, ISO 8601. */
  updatedAt?: string;
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
  const optional: Partial<ActivityRecordV1> = {
    groupId: fields.optionalId('groupId'),
    projectId: fields.optionalId('projectId'),
    projectName: fields.optionalId('projectName'),
    revision: fields.optionalPositive('revision'),
    agentId: fields.optionalId('agentId'),
    startedAt: fields.optionalTime('startedAt'),
    completedAt: fields.optionalTime('completedAt'),
    submittedByKind: fields.optionalOneOf('submittedByKind', ACTIVITY_SUBMITTER_KINDS),
    errorCode: fields.optionalId('errorCode'),
    message: fields.optionalString('message'),
    parentRunId: fields.optionalId('parentRunId'),
    retryOf: fields.optionalId('retryOf'),
    updatedAt: fields.optionalTime('updatedAt'),
  };
  // Absent stays absent: no `key: undefined` in the result.
  const present = Object.entries(optional).filter(([, entry]) => entry !== undefined);
  return Object.assign(record, Object.fromEntries(present));
}
