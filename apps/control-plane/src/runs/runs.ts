import { buildSubject, createEnvelope, encodeEnvelope } from '@weft/messaging';
import type { DataSource } from 'typeorm';
import { recordAudit, type AuditActor } from '../audit/audit-trail.js';
import { isUuid } from '../database/ids.js';
import { changeRows, selectRows } from '../database/sql.js';
import { AgentGroupKinds } from './agent-group-kinds.js';
import { inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import { ActivityLog } from '../activity/activity-log.js';
import { RunError, checkOperation, type OperationDocument } from './operation.js';

export { RunError };

export type RunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface RunView {
  id: string;
  environmentId: string;
  groupId: string;
  operationId: string;
  projectId: string | null;
  projectName: string | null;
  revision: number | null;
  status: RunStatus;
  attempts: number;
  maxAttempts: number;
  agentId: string | null;
  submittedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  records: { read: number; written: number; failed: number };
  errorCode: string | null;
  /** Why it failed (decrypted from the activity log). */
  message: string | null;
  cancelRequested: boolean;
  submittedByKind: SubmitterKind;
  parentRunId: string | null;
  retryOf: string | null;
  history: Array<{
    at: string;
    kind: string;
    agentId: string | null;
    attempt: number | null;
    detail: string | null;
  }>;
}

export const SUBMITTER_KINDS = ['user', 'api_key', 'schedule', 'chain', 'system'] as const;
/** Who or what started a run (the activity log shows it). */
export type SubmitterKind = (typeof SUBMITTER_KINDS)[number];

export interface SubmitRun {
  environmentId: string;
  groupId: string;
  operationId: string;
  operation: OperationDocument;
  /** Deliveries before the run fails with the cause (hand-overs included). Default 3. */
  maxAttempts?: number;
  /** The deployed project (and revision) the operation belongs to. */
  project?: { id: string; name: string; revision: number };
  /** The run whose outcome started this one (on-success / on-failure chains). */
  parentRunId?: string;
  /** Default: from the actor (`user`, `api_key`), else `system`. */
  submittedByKind?: SubmitterKind;
}

/** A run as it is inserted: a submission, or a copy of an earlier run (retry). */
interface NewRun {
  environmentId: string;
  groupId: string;
  operationId: string;
  operation: OperationDocument;
  maxAttempts: number;
  project: { id: string; name: string; revision: number } | null;
  parentRunId: string | null;
  retryOf: string | null;
  submittedByKind: SubmitterKind;
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
 * Submitting, retrying, reading and cancelling runs. A run is written together with its outbox
 * row and its activity row in one transaction; the relay publishes it only after that commits
 * (`RunOutbox`), and JetStream drops a second publish of the same run id.
 */
export class Runs {
  constructor(
    private readonly db: DataSource,
    private readonly onSubmitted: () => void = () => {},
    private readonly groups = new AgentGroupKinds(db),
    private readonly activity = new ActivityLog(),
  ) {}

  async submit(orgId: OrgId, input: SubmitRun, actor: AuditActor): Promise<{ runId: string }> {
    const run = this.#check(input, actor);
    const cloud = await this.#isCloudGroup(run.groupId);
    const runId = await inTenant(this.db, orgId, (tx) => this.#insert(tx, run, cloud, actor));
    this.onSubmitted();
    return { runId };
  }

  /**
   * Submits inside the caller's transaction (a chained run, started in the transaction that
   * recorded the outcome of the run before it). The relay picks it up at its next poll, after
   * that transaction commits.
   */
  async submitIn(
    tx: TenantTransaction,
    input: SubmitRun,
    actor: AuditActor,
  ): Promise<{ runId: string }> {
    const run = this.#check(input, actor);
    const cloud = await this.#isCloudGroup(run.groupId);
    return { runId: await this.#insert(tx, run, cloud, actor) };
  }

  /**
   * A new run of a failed or cancelled run's operation: the same operation document, agent
   * group, project and revision, with `retryOf` naming the run it retries.
   */
  async retry(
    orgId: OrgId,
    environmentId: string,
    runId: string,
    actor: AuditActor,
  ): Promise<{ runId: string }> {
    if (!isUuid(runId) || !isUuid(environmentId)) throw runNotFound();
    // The group's kind is looked up as the platform, outside the tenant transaction.
    const [original] = await inTenant(this.db, orgId, (tx) =>
      selectRows<{ group_id: string }>(
        tx,
        `SELECT group_id FROM runs WHERE org_id = $1 AND environment_id = $2 AND id = $3`,
        [orgId, environmentId, runId],
      ),
    );
    if (original === undefined) throw runNotFound();
    const cloud = await this.#isCloudGroup(original.group_id);
    const newRunId = await inTenant(this.db, orgId, async (tx) => {
      const [row] = (await tx.query(
        `SELECT * FROM runs WHERE org_id = $1 AND environment_id = $2 AND id = $3 FOR UPDATE`,
        [orgId, environmentId, runId],
      )) as RunRow[];
      if (row === undefined) throw runNotFound();
      if (row.status !== 'failed' && row.status !== 'cancelled') {
        throw new RunError(
          'RUN_NOT_RETRYABLE',
          `only a failed or cancelled run can be retried; this one is ${row.status}`,
        );
      }
      return this.#insert(
        tx,
        {
          environmentId,
          groupId: row.group_id,
          operationId: row.operation_id,
          operation: row.operation,
          maxAttempts: row.max_attempts,
          project:
            row.project_id !== null && row.project_name !== null && row.revision !== null
              ? { id: row.project_id, name: row.project_name, revision: row.revision }
              : null,
          parentRunId: row.parent_run_id,
          retryOf: row.id,
          submittedByKind: kindOf(actor),
        },
        cloud,
        actor,
      );
    });
    this.onSubmitted();
    return { runId: newRunId };
  }

  #check(input: SubmitRun, actor: AuditActor): NewRun {
    const operation = checkOperation(input.operation);
    const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
      throw new RunError('VALIDATION_FAILED', 'maxAttempts must be an integer from 1 to 20');
    }
    if (!isUuid(input.environmentId) || !isUuid(input.groupId)) {
      throw new RunError('NOT_FOUND', 'no such agent group in this environment');
    }
    const { project, parentRunId, submittedByKind } = input;
    if (
      project !== undefined &&
      (!isUuid(project.id) ||
        typeof project.name !== 'string' ||
        project.name.length < 1 ||
        project.name.length > 200 ||
        !Number.isInteger(project.revision) ||
        project.revision < 1)
    ) {
      throw new RunError('VALIDATION_FAILED', 'project must have an id, a name and a revision ≥ 1');
    }
    if (parentRunId !== undefined && !isUuid(parentRunId)) {
      throw new RunError('VALIDATION_FAILED', 'parentRunId must be a run id');
    }
    if (submittedByKind !== undefined && !SUBMITTER_KINDS.includes(submittedByKind)) {
      throw new RunError(
        'VALIDATION_FAILED',
        `submittedByKind must be one of ${SUBMITTER_KINDS.join(', ')}`,
      );
    }
    return {
      environmentId: input.environmentId,
      groupId: input.groupId,
      operationId: input.operationId,
      operation,
      maxAttempts,
      project: project ?? null,
      parentRunId: parentRunId ?? null,
      retryOf: null,
      submittedByKind: submittedByKind ?? kindOf(actor),
    };
  }

  /**
   * A cloud group (run by the installation for every organization) is not this tenant's row:
   * it is looked up as the platform; any other group must serve the run's environment.
   */
  async #isCloudGroup(groupId: string): Promise<boolean> {
    return (await this.groups.cloudOwner(groupId)) !== null;
  }

  async #insert(
    tx: TenantTransaction,
    input: NewRun,
    cloud: boolean,
    actor: AuditActor,
  ): Promise<string> {
    const orgId = tx.orgId;
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
      `INSERT INTO runs (org_id, environment_id, group_id, operation_id, operation, max_attempts,
         submitted_by, submitted_by_kind, project_id, project_name, revision, parent_run_id, retry_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
      [
        orgId,
        input.environmentId,
        input.groupId,
        input.operationId,
        JSON.stringify(input.operation),
        input.maxAttempts,
        actor.type === 'user' ? actor.id : null,
        input.submittedByKind,
        input.project?.id ?? null,
        input.project?.name ?? null,
        input.project?.revision ?? null,
        input.parentRunId,
        input.retryOf,
      ],
    )) as Array<{ id: string }>;
    const id = run!.id;
    await this.activity.recordSubmitted(tx, {
      runId: id,
      submittedBy: actor.type === 'user' || actor.type === 'api_key' ? actor.id : null,
    });
    const address = { orgId, environmentId: input.environmentId, agentGroupId: input.groupId };
    const request: RunRequest = {
      runId: id,
      operationId: input.operationId,
      idempotencyKey: `run-${id}`,
      maxAttempts: input.maxAttempts,
      operation: input.operation,
    };
    const envelope = createEnvelope({
      type: 'run.requested',
      id,
      ...address,
      payload: request,
    });
    await tx.query(
      `INSERT INTO run_outbox (org_id, run_id, subject, message) VALUES ($1, $2, $3, $4)`,
      [orgId, id, buildSubject({ ...address, kind: 'run' }), Buffer.from(encodeEnvelope(envelope))],
    );
    const details: Record<string, string> = { operationId: input.operationId.slice(0, 100) };
    if (input.retryOf !== null) details.retryOf = input.retryOf;
    if (input.parentRunId !== null) details.parentRunId = input.parentRunId;
    await recordAudit(tx, [
      {
        orgId,
        actor,
        action: input.retryOf !== null ? 'run.retry' : 'operation.run',
        target: { type: 'run', id },
        outcome: 'succeeded',
        environmentId: input.environmentId,
        details,
      },
    ]);
    return id;
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
      // Older runs kept their message in plaintext in `runs`; newer ones only in the activity log.
      const message = (await this.activity.messageOf(tx, runId)) ?? row.message;
      return {
        ...runView(row),
        message,
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
      await this.activity.recordChange(tx, runId);
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
  operation: OperationDocument;
  project_id: string | null;
  project_name: string | null;
  revision: number | null;
  parent_run_id: string | null;
  retry_of: string | null;
  submitted_by_kind: SubmitterKind;
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
    projectId: row.project_id,
    projectName: row.project_name,
    revision: row.revision,
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
    submittedByKind: row.submitted_by_kind,
    parentRunId: row.parent_run_id,
    retryOf: row.retry_of,
  };
}

function kindOf(actor: AuditActor): SubmitterKind {
  return actor.type === 'user' || actor.type === 'api_key' ? actor.type : 'system';
}

function runNotFound(): RunError {
  return new RunError('NOT_FOUND', 'no such run in this environment');
}
