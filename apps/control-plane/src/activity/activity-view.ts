import type { ActivityRecordV1, ActivitySubmitterKind } from '@weft/log-schema';
import type { ActivityRunStatus } from './activity-filters.js';

const MICROSECONDS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/** What the API reads of an activity row (the keys keep PostgreSQL's microseconds). */
export const ACTIVITY_COLUMNS = `run_id, org_id, environment_id, group_id, project_id, project_name,
  operation_id, revision, agent_id, status, submitted_at, submitted_by, submitted_by_kind,
  started_at, completed_at, records_read, records_written, records_failed, error_code,
  message_ciphertext, parent_run_id, retry_of, updated_at,
  to_char(submitted_at AT TIME ZONE 'UTC', ${MICROSECONDS}) AS submitted_key,
  to_char(updated_at AT TIME ZONE 'UTC', ${MICROSECONDS}) AS updated_key`;

export interface ActivityRow {
  run_id: string;
  org_id: string;
  environment_id: string;
  group_id: string;
  project_id: string | null;
  project_name: string | null;
  operation_id: string;
  revision: number | null;
  agent_id: string | null;
  status: ActivityRunStatus;
  submitted_at: Date;
  submitted_by: string | null;
  submitted_by_kind: ActivitySubmitterKind;
  started_at: Date | null;
  completed_at: Date | null;
  records_read: string;
  records_written: string;
  records_failed: string;
  error_code: string | null;
  message_ciphertext: string | null;
  parent_run_id: string | null;
  retry_of: string | null;
  updated_at: Date;
  submitted_key: string;
  updated_key: string;
}

/** An activity row as the API shows it (`message` already decrypted). */
export function toActivityRecord(row: ActivityRow, message: string | undefined): ActivityRecordV1 {
  const optional = {
    groupId: row.group_id,
    projectId: row.project_id,
    projectName: row.project_name,
    revision: row.revision,
    agentId: row.agent_id,
    startedAt: row.started_at?.toISOString(),
    completedAt: row.completed_at?.toISOString(),
    errorCode: row.error_code,
    message,
    parentRunId: row.parent_run_id,
    retryOf: row.retry_of,
  };
  return {
    v: 1,
    id: row.run_id,
    orgId: row.org_id,
    environmentId: row.environment_id,
    operationId: row.operation_id,
    status: row.status,
    submittedAt: row.submitted_at.toISOString(),
    submittedBy: row.submitted_by ?? row.submitted_by_kind,
    submittedByKind: row.submitted_by_kind,
    recordsRead: Number(row.records_read),
    recordsWritten: Number(row.records_written),
    recordsFailed: Number(row.records_failed),
    updatedAt: row.updated_at.toISOString(),
    // Absent rather than null, as ActivityRecordV1 has them.
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value != null)),
  };
}
