import type { DataSource } from 'typeorm';
import { recordAudit, type AuditActor } from '../audit/audit-trail.js';
import { isUuid } from '../database/ids.js';
import { selectRows } from '../database/sql.js';
import { inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import type { AgentGroupKinds } from '../runs/agent-group-kinds.js';
import { compileOperation, ProjectError, type ProjectDocument } from '@weft/project';
import { MAX_OPERATION_BYTES } from '../runs/operation.js';
import { variableReferences } from './project-variables.js';
import { ProjectsError } from './projects-error.js';
import { referencedFiles } from '../files/file-references.js';
import type { ProjectFileAccess } from '../files/project-files.js';
import { assertEnvironment, findProject, findRevision, schemaFiles } from './projects.js';

export interface DeploymentView {
  id: string;
  projectId: string;
  revision: number;
  deployedBy: { type: string; id: string };
  deployedAt: string;
}

interface DeploymentRow {
  id: string;
  project_id: string;
  revision: number;
  deployed_by_kind: string;
  deployed_by: string;
  deployed_at: Date;
}

const COLUMNS = 'id, project_id, revision, deployed_by_kind, deployed_by, deployed_at';

/**
 * Which revision of a project an environment runs, and which agent group its runs go to. A
 * revision is deployed only when the environment has a value for every variable it declares,
 * so a deployed operation never starts without its endpoints or credentials.
 */
export class Deployments {
  constructor(
    private readonly db: DataSource,
    private readonly groups: AgentGroupKinds,
    private readonly files: ProjectFileAccess,
  ) {}

  async deploy(
    orgId: OrgId,
    environmentId: string,
    projectId: string,
    revision: number | undefined,
    actor: AuditActor,
  ): Promise<DeploymentView> {
    return inTenant(this.db, orgId, (tx) =>
      this.deployIn(tx, environmentId, projectId, revision, actor),
    );
  }

  async deployIn(
    tx: TenantTransaction,
    environmentId: string,
    projectId: string,
    revision: number | undefined,
    actor: AuditActor,
  ): Promise<DeploymentView> {
    const project = await findProject(tx, environmentId, projectId, true);
    const target = revision ?? project.latest_revision;
    const { document } = await findRevision(tx, projectId, target);
    // `file:` interfaces are inlined from the environment's files, as a run will inline them.
    const schemas = await schemaFiles(() =>
      this.files.schemaTextsIn(tx, environmentId, referencedFiles(document)),
    );
    assertOperationsFit(document, schemas);
    await variableReferences(
      tx,
      environmentId,
      Object.entries(document.variables ?? {}).map(([name, variable]) => ({
        name,
        kind: variable.kind,
      })),
    );
    const [row] = await selectRows<DeploymentRow>(
      tx,
      `INSERT INTO deployments (org_id, environment_id, project_id, revision, deployed_by_kind, deployed_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [tx.orgId, environmentId, projectId, target, actor.type, actor.id],
    );
    await tx.query(`UPDATE projects SET deployed_revision = $2, updated_at = now() WHERE id = $1`, [
      projectId,
      target,
    ]);
    await recordAudit(tx, [
      {
        orgId: tx.orgId,
        actor,
        action: 'project.deploy',
        target: { type: 'project', id: projectId },
        outcome: 'succeeded',
        environmentId,
        details: { name: project.name, revision: target },
      },
    ]);
    return toView(row!);
  }

  async list(orgId: OrgId, environmentId: string, projectId: string): Promise<DeploymentView[]> {
    return inTenant(this.db, orgId, async (tx) => {
      await findProject(tx, environmentId, projectId);
      const rows = await selectRows<DeploymentRow>(
        tx,
        `SELECT ${COLUMNS} FROM deployments WHERE project_id = $1 ORDER BY deployed_at DESC LIMIT 100`,
        [projectId],
      );
      return rows.map(toView);
    });
  }

  /** Chooses the agent group the environment's runs go to: one serving it, or a cloud group. */
  async setRunGroup(
    orgId: OrgId,
    environmentId: string,
    groupId: unknown,
    actor: AuditActor,
  ): Promise<{ groupId: string }> {
    if (typeof groupId !== 'string' || !isUuid(groupId)) {
      throw new ProjectsError(
        'VALIDATION_FAILED',
        'groupId must be an agent group id (a UUID)',
        undefined,
        'groupId',
      );
    }
    const cloud = (await this.groups.cloudOwner(groupId)) !== null;
    return inTenant(this.db, orgId, async (tx) => {
      await assertEnvironment(tx, environmentId);
      if (!cloud) {
        const serving = await selectRows(
          tx,
          `SELECT 1 FROM agent_group_environments WHERE org_id = $1 AND group_id = $2 AND environment_id = $3`,
          [orgId, groupId, environmentId],
        );
        if (serving.length === 0) {
          throw new ProjectsError('NOT_FOUND', 'no such agent group serving this environment');
        }
      }
      await tx.query(`UPDATE environments SET run_group_id = $2 WHERE org_id = $1 AND id = $3`, [
        orgId,
        groupId,
        environmentId,
      ]);
      await recordAudit(tx, [
        {
          orgId,
          actor,
          action: 'agent_group.manage',
          target: { type: 'environment', id: environmentId },
          outcome: 'succeeded',
          environmentId,
          details: { change: 'run_group', groupId, cloud },
        },
      ]);
      return { groupId };
    });
  }
}

/**
 * Every operation of a revision compiles into a run message an agent can take: checked when it is
 * deployed, so a deployed operation never fails to start for its size (a run message is at most
 * MAX_OPERATION_BYTES; a project document may be larger).
 */
function assertOperationsFit(document: ProjectDocument, files: ReadonlyMap<string, string>): void {
  const problems: Array<{ path: string; code: string; message: string }> = [];
  for (const name of Object.keys(document.operations ?? {})) {
    try {
      const size = Buffer.byteLength(
        JSON.stringify(compileOperation(document, name, { files }).operation),
      );
      if (size > MAX_OPERATION_BYTES) {
        problems.push({
          path: `operations.${name}`,
          code: 'too_large',
          message: `compiles to a run message of ${size} bytes; the limit is ${MAX_OPERATION_BYTES} (inline interfaces and mappings count)`,
        });
      }
    } catch (error) {
      if (!ProjectError.is(error)) throw error;
      problems.push({ path: `operations.${name}`, code: error.code, message: error.message });
    }
  }
  if (problems.length > 0) {
    throw new ProjectsError(
      'PROJECT_INVALID',
      `${problems.length} operation${problems.length > 1 ? 's' : ''} of this revision cannot run`,
      problems,
    );
  }
}

function toView(row: DeploymentRow): DeploymentView {
  return {
    id: row.id,
    projectId: row.project_id,
    revision: row.revision,
    deployedBy: { type: row.deployed_by_kind, id: row.deployed_by },
    deployedAt: row.deployed_at.toISOString(),
  };
}
