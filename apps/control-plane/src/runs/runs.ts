import { buildSubject, createEnvelope, encodeEnvelope } from '@weft/messaging';
import type { DataSource } from 'typeorm';
import { recordAudit, type AuditActor } from '../audit/audit-trail.js';
import { isUuid } from '../database/ids.js';
import { changeRows } from '../database/sql.js';
import { AgentGroupKinds } from './agent-group-kinds.js';
import { inTenant, type OrgId } from '../database/tenant.js';
import { RunError, checkOperation, type OperationDocument } from './operation.js';

export { RunError };

export type RunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface RunView {
  id: string;
  environmentId: string;
  groupId: string;
  operationId: string;
  status: RunStatus;
  attempts: number;
  maxAttempts: number;
  agentId: string | null;
  submittedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  records: { read: number; written: number; failed: number };
  errorCode: string | null;
  message: string | null;
  cancelRequested: boolean;
  history: Array<{
    at: string;
    kind: string;
    agentId: string | null;
    attempt: number | null;
    detail: string | null;
  }>;
}

export interface SubmitRun {
  environmentId: string;
  groupId: string;
  operationId: string;
  operation: OperationDocument;
  /** Deliveries before the run fails with the cause (hand-overs included). Default 3. */
  maxAttempts?: number;
}

/** What the agent receives (the `run.requested` envelope's payload). */
export interface RunRequest {
  runId: string;
  operationId: string;
  idempotencyKey: string;
  maxAttempts: number;
  operation: OperationDocument;
}

export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * Submitting, reading and cancelling runs. A run is written together with its outbox row in
 * one transaction; the relay publishes it only after that commits (`RunOutbox`), and JetStream
 * drops a second publish of the same run id.
 */
export class Runs {
  constructor(
    private readonly db: DataSource,
    private readonly onSubmitted: () => void = () => {},
    private readonly groups = new AgentGroupKinds(db),
  ) {}

  async submit(orgId: OrgId, input: SubmitRun, actor: AuditActor): Promise<{ runId: string }> {
    const operation = checkOperation(input.operation);
    const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
      throw new RunError('VALIDATION_FAILED', 'maxAttempts must be an integer from 1 to 20');
    }
    if (!isUuid(input.environmentId) || !isUuid(input.groupId)) {
      throw new RunError('NOT_FOUND', 'no such agent group in this environment');
    }
    // A cloud group (run by the installation for every organization) is not this tenant's row:
    // it is looked up as the platform; any other group must serve the run's environment.
    const cloud = (await this.groups.cloudOwner(input.groupId)) !== null;
    const runId = await inTenant(this.db, orgId, async (tx) => {
      const bound = cloud
        ? [1]
        : ((await tx.query(
            `SELECT 1 FROM agent_group_environments WHERE org_id = $1 AND group_id = $2 AND environment_id = $3`,
            [orgId, input.groupId, input.environmentId],
          )) as unknown[]);
      if (bound.length === 0) {
        throw new RunError('NOT_FOUND', 'no such agent group in this environment');
      }
      const [run] = (await tx.query(
        `INSERT INTO runs (org_id, environment_id, group_id, operation_id, operation, max_attempts, submitted_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [
          orgId,
          input.environmentId,
          input.groupId,
          input.operationId,
          JSON.stringify(operation),
          maxAttempts,
          actor.type === 'user' ? actor.id : null,
        ],
      )) as Array<{ id: string }>;
      const id = run!.id;
      const address = { orgId, environmentId: input.environmentId, agentGroupId: input.groupId };
      const request: RunRequest = {
        runId: id,
        operationId: input.operationId,
        idempotencyKey: `run-${id}`,
        maxAttempts,
        operation,
      };
      const envelope = createEnvelope({
        type: 'run.requested',
        id,
        ...address,
        payload: request,
      });
      await tx.query(
        `INSERT INTO run_outbox (org_id, run_id, subject, message) VALUES ($1, $2, $3, $4)`,
        [
          orgId,
          id,
          buildSubject({ ...address, kind: 'run' }),
          Buffer.from(encodeEnvelope(envelope)),
        ],
      );
      await recordAudit(tx, [
        {
          orgId,
          actor,
          action: 'operation.run',
          target: { type: 'run', id },
          outcome: 'succeeded',
          environmentId: input.environmentId,
          details: { operationId: input.operationId.slice(0, 100) },
        },
      ]);
      return id;
    });
    this.onSubmitted();
    return { runId };
  }

  async get(orgId: OrgId, environmentId: string, runId: string): Promise<RunView> {
    if (!isUuid(runId) || !isUuid(environmentId)) throw runNotFound();
    return inTenant(this.db, orgId, async (tx) => {
      const [row] = (await tx.query(
        `SELECT * FROM runs WHERE org_id = $1 AND environment_id = $2 AND id = $3`,
        [orgId, environmentId, runId],
      )) as RunRow[];
      if (row === undefined) throw runNotFound();
      const history = (await tx.query(
        `SELECT at, kind, agent_id, attempt, detail FROM run_events
         WHERE org_id = $1 AND run_id = $2 ORDER BY id`,
        [orgId, runId],
      )) as Array<{
        at: Date;
        kind: string;
        agent_id: string | null;
        attempt: number | null;
        detail: string | null;
      }>;
      return {
        ...runView(row),
        history: history.map((event) => ({
          at: event.at.toISOString(),
          kind: event.kind,
          agentId: event.agent_id,
          attempt: event.attempt,
          detail: event.detail,
        })),
      };
    });
  }

  /**
   * Asks for a pending or running run to stop: a pending one is cancelled at once (an agent
   * that still receives it is told so on its first call), a running one when its agent next
   * reports progress.
   */
  async cancel(
    orgId: OrgId,
    environmentId: string,
    runId: string,
    actor: AuditActor,
  ): Promise<{ status: RunStatus }> {
    if (!isUuid(runId) || !isUuid(environmentId)) throw runNotFound();
    return inTenant(this.db, orgId, async (tx) => {
      const { rows } = await changeRows<{ status: RunStatus }>(
        tx,
        `UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, now()),
                status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,
                completed_at = CASE WHEN status = 'pending' THEN now() ELSE completed_at END,
                error_code = CASE WHEN status = 'pending' THEN 'cancelled' ELSE error_code END
         WHERE org_id = $1 AND environment_id = $2 AND id = $3 AND status IN ('pending', 'running')
         RETURNING status`,
        [orgId, environmentId, runId],
      );
      const changed = rows[0];
      if (changed === undefined) {
        const exists = (await tx.query(
          `SELECT status FROM runs WHERE org_id = $1 AND environment_id = $2 AND id = $3`,
          [orgId, environmentId, runId],
        )) as Array<{ status: RunStatus }>;
        if (exists[0] === undefined) throw runNotFound();
        throw new RunError('RUN_FINISHED', `the run already ended (${exists[0].status})`);
      }
      await tx.query(
        `INSERT INTO run_events (org_id, run_id, kind, detail) VALUES ($1, $2, 'cancel_requested', $3)`,
        [orgId, runId, actor.type === 'user' ? `by user ${actor.id}` : `by ${actor.type}`],
      );
      await recordAudit(tx, [
        {
          orgId,
          actor,
          action: 'run.cancel',
          target: { type: 'run', id: runId },
          outcome: 'succeeded',
          environmentId,
          details: {},
        },
      ]);
      return { status: changed.status };
    });
  }
}

interface RunRow {
  id: string;
  environment_id: string;
  group_id: string;
  operation_id: string;
  status: RunStatus;
  attempts: number;
  max_attempts: number;
  agent_id: string | null;
  submitted_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  records_read: string;
  records_written: string;
  records_failed: string;
  error_code: string | null;
  message: string | null;
  cancel_requested_at: Date | null;
}

function runView(row: RunRow): Omit<RunView, 'history'> {
  return {
    id: row.id,
    environmentId: row.environment_id,
    groupId: row.group_id,
    operationId: row.operation_id,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    agentId: row.agent_id,
    submittedAt: row.submitted_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    completedAt: row.completed_at?.toISOString() ?? null,
    records: {
      read: Number(row.records_read),
      written: Number(row.records_written),
      failed: Number(row.records_failed),
    },
    errorCode: row.error_code,
    message: row.message,
    cancelRequested: row.cancel_requested_at !== null,
  };
}

function runNotFound(): RunError {
  return new RunError('NOT_FOUND', 'no such run in this environment');
}
