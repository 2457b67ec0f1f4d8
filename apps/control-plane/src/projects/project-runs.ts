import type { DataSource } from 'typeorm';
import { ProjectError, compileOperation } from '@weft/project';
import type { AuditActor } from '../audit/audit-trail.js';
import { selectRows } from '../database/sql.js';
import { inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import { referencedFiles } from '../files/file-references.js';
import type { ProjectFileAccess } from '../files/project-files.js';
import { RunError, type OperationDocument } from '../runs/operation.js';
import type { Runs, SubmitRun } from '../runs/runs.js';
import { variableReferences } from './project-variables.js';
import { ProjectsError } from './projects-error.js';
import { findProject, findRevision, schemaFiles } from './projects.js';

/** How deep on-success / on-failure chains may go (cycles are refused when a project is saved). */
export const MAX_CHAIN_DEPTH = 20;
/** How many runs one chain may start in all (a step may name several operations: fan-out). */
export const MAX_CHAIN_RUNS = 100;

/** Where a chain's refusals are written for the user: the finished run's details. */
export interface ChainNotes {
  recordDetails(
    tx: TenantTransaction,
    runId: string,
    eventId: string,
    relayedAt: Date,
    lines: ReadonlyArray<{
      at: string;
      level: 'info' | 'warn' | 'error';
      step: 'operation';
      text: string;
    }>,
  ): Promise<number>;
}

/**
 * Runs the operations of deployed projects: the deployed revision's operation compiled into the
 * agent's operation document, its variables turned into references the agent resolves (values
 * never travel with a run), sent to the agent group the environment has chosen. When a run of a
 * project ends, the operations its step names (on success / on failure) are submitted in the
 * same transaction that recorded the outcome.
 */
export class ProjectRuns {
  constructor(
    private readonly db: DataSource,
    private readonly runs: Runs,
    private readonly files: ProjectFileAccess,
    private readonly notes?: ChainNotes,
    private readonly limits: { maxChainRuns: number } = { maxChainRuns: MAX_CHAIN_RUNS },
  ) {}

  async run(
    orgId: OrgId,
    environmentId: string,
    projectId: string,
    operationName: string,
    actor: AuditActor,
  ): Promise<{ runId: string; status: 'pending' }> {
    const submit = await inTenant(this.db, orgId, (tx) =>
      plan(tx, this.files, environmentId, projectId, operationName),
    );
    const { runId } = await this.runs.submit(orgId, submit, actor);
    return { runId, status: 'pending' };
  }

  /**
   * Starts the operations chained to a finished run (inside the transaction that recorded its
   * outcome, so they are queued exactly once). A chained run is submitted by whoever submitted
   * the first one. A project no longer deployed at the same revision starts nothing.
   */
  async startChained(
    tx: TenantTransaction,
    finished: { runId: string; status: 'succeeded' | 'failed' | 'cancelled' },
  ): Promise<string[]> {
    if (finished.status === 'cancelled') return [];
    // Every finished run passes here (the event consumer's hot path): what decides whether
    // anything follows — the step's list for this outcome, at the deployed revision — is read
    // first and alone; the chain's depth and size only when there is something to start.
    const [run] = await selectRows<{
      environment_id: string;
      project_id: string | null;
      revision: number | null;
      submitted_by: string | null;
      next: string[] | null;
    }>(
      tx,
      `SELECT r.environment_id, r.project_id, r.revision, r.submitted_by,
              CASE WHEN p.deployed_revision = r.revision
                   THEN v.document -> 'operations' -> r.operation_id -> $3::text END AS next
       FROM runs r
       LEFT JOIN projects p ON p.org_id = r.org_id AND p.id = r.project_id
       LEFT JOIN project_revisions v ON v.project_id = r.project_id AND v.revision = r.revision
       WHERE r.org_id = $1 AND r.id = $2`,
      [tx.orgId, finished.runId, finished.status === 'succeeded' ? 'onSuccess' : 'onFailure'],
    );
    if (run === undefined || run.project_id === null || run.revision === null) return [];
    const next = run.next ?? [];
    if (next.length === 0) return [];
    const [chain] = await selectRows<{ depth: number; root_id: string }>(
      tx,
      `WITH RECURSIVE chain(id, parent, depth) AS (
         SELECT id, parent_run_id, 0 FROM runs WHERE id = $2 AND org_id = $1
         UNION ALL
         SELECT r.id, r.parent_run_id, c.depth + 1 FROM runs r JOIN chain c ON r.id = c.parent
         WHERE r.org_id = $1 AND c.depth < ${MAX_CHAIN_DEPTH + 1})
       SELECT depth, id AS root_id FROM chain ORDER BY depth DESC LIMIT 1`,
      [tx.orgId, finished.runId],
    );
    if (chain === undefined) return [];
    const started: string[] = [];
    const notes: string[] = [];
    // At the depth limit nothing more starts, and the finished run says so.
    const tooDeep = chain.depth >= MAX_CHAIN_DEPTH;
    if (tooDeep) {
      notes.push(
        `this chain is ${MAX_CHAIN_DEPTH} runs deep, its limit: ${next.join(', ').slice(0, 300)} not started`,
      );
    }
    let chained = tooDeep ? 0 : await chainedRuns(tx, chain.root_id);
    for (const operationName of tooDeep ? [] : next) {
      if (chained >= this.limits.maxChainRuns) {
        notes.push(
          `this chain has started ${this.limits.maxChainRuns} runs, its limit: ${operationName} (and any later one of this step) was not started`,
        );
        break;
      }
      const actor: AuditActor =
        run.submitted_by === null
          ? { type: 'system', id: 'chain' }
          : { type: 'user', id: run.submitted_by };
      try {
        const submit = await plan(
          tx,
          this.files,
          run.environment_id,
          run.project_id,
          operationName,
          {
            revision: run.revision,
          },
        );
        const { runId } = await this.runs.submitIn(
          tx,
          { ...submit, parentRunId: finished.runId, submittedByKind: 'chain' },
          actor,
        );
        started.push(runId);
        chained += 1;
      } catch (error) {
        // What no retry can change (a variable deleted since, an operation too large) is the
        // user's to see on the finished run — it must not hold back recording its outcome.
        if (!ProjectsError.is(error) && !ProjectError.is(error) && !RunError.is(error)) throw error;
        notes.push(`chained operation ${operationName} was not started: ${error.message}`);
      }
    }
    if (notes.length > 0 && this.notes !== undefined) {
      const at = new Date();
      await this.notes.recordDetails(
        tx,
        finished.runId,
        `chain:${finished.runId}`,
        at,
        notes.map((text) => ({ at: at.toISOString(), level: 'error', step: 'operation', text })),
      );
    }
    return started;
  }
}

/** How many runs a chain (all runs descending from its first) has started so far. */
async function chainedRuns(tx: TenantTransaction, rootId: string): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    tx,
    `WITH RECURSIVE down(id, depth) AS (
       SELECT id, 1 FROM runs WHERE org_id = $1 AND parent_run_id = $2
       UNION ALL
       SELECT r.id, d.depth + 1 FROM runs r JOIN down d ON r.parent_run_id = d.id
       WHERE r.org_id = $1 AND d.depth <= ${MAX_CHAIN_DEPTH})
     SELECT count(*)::int AS n FROM down`,
    [tx.orgId, rootId],
  );
  return row?.n ?? 0;
}

/** The run of one operation of a project: its deployed revision (or `revision`), compiled. */
async function plan(
  tx: TenantTransaction,
  files: ProjectFileAccess,
  environmentId: string,
  projectId: string,
  operationName: string,
  options: { revision?: number } = {},
): Promise<SubmitRun> {
  const project = await findProject(tx, environmentId, projectId);
  const revision = options.revision ?? project.deployed_revision;
  if (revision === null) {
    throw new ProjectsError(
      'NOT_DEPLOYED',
      `project ${project.name} has no deployed revision in this environment: deploy it first`,
    );
  }
  const { document } = await findRevision(tx, projectId, revision);
  // The schema files the project names are inlined into the operation (the agent has no access
  // to the file service).
  const schemas = await schemaFiles(() =>
    files.schemaTextsIn(tx, environmentId, referencedFiles(document)),
  );
  let compiled: ReturnType<typeof compileOperation>;
  try {
    compiled = compileOperation(document, operationName, { files: schemas });
  } catch (error) {
    if (ProjectError.is(error) && error.code === 'operation_not_found') {
      throw new ProjectsError(
        'OPERATION_NOT_FOUND',
        `revision ${revision} of project ${project.name} has no operation named ${operationName.slice(0, 80)}`,
      );
    }
    throw error;
  }
  const [environment] = await selectRows<{ run_group_id: string | null }>(
    tx,
    `SELECT run_group_id FROM environments WHERE org_id = $1 AND id = $2`,
    [tx.orgId, environmentId],
  );
  const groupId = environment?.run_group_id ?? null;
  if (groupId === null) {
    throw new ProjectsError(
      'NO_AGENT_GROUP',
      'this environment has no agent group for its runs: create one, or choose one with PUT /environments/:environmentId/agent-group',
    );
  }
  const secrets = await variableReferences(tx, environmentId, compiled.variables);
  const operation: OperationDocument = {
    ...(compiled.operation as OperationDocument),
    ...(secrets.length === 0 ? {} : { secrets }),
  };
  return {
    environmentId,
    groupId,
    operationId: operationName,
    operation,
    ...(compiled.maxAttempts === undefined ? {} : { maxAttempts: compiled.maxAttempts }),
    project: { id: projectId, name: project.name, revision },
  };
}
