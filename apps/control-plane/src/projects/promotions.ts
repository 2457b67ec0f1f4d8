import type { DataSource } from 'typeorm';
import { diffProjects, type ProjectChange, type ProjectDocument } from '@weft/project';
import type { AuditActor } from '../audit/audit-trail.js';
import { isUuid } from '../database/ids.js';
import { selectRows } from '../database/sql.js';
import { inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import type { DeploymentView, Deployments } from './deployments.js';
import { ProjectsError } from './projects-error.js';
import {
  findProject,
  findRevision,
  type ProjectView,
  type Projects,
  type RevisionDocument,
  type RevisionView,
} from './projects.js';

export interface PromotionRequest {
  sourceEnvironmentId: string;
  projectId: string;
  /** Default: the revision deployed in the source environment, else its latest. */
  revision?: number;
  /** Deploy the promoted revision in the target at once (needs its variables there). */
  deploy?: boolean;
}

export interface PromotionPreview {
  sourceRevision: number;
  /** The target's latest revision of the project, or null when the project is new there. */
  targetRevision: number | null;
  changes: ProjectChange[];
}

export interface PromotionResult {
  project: ProjectView;
  revision: RevisionView;
  created: boolean;
  changes: ProjectChange[];
  deployment?: DeploymentView;
}

/** Reads a promotion request body; every wrong field is named. */
export function parsePromotionRequest(body: unknown): PromotionRequest {
  const fail = (message: string, field?: string): never => {
    throw new ProjectsError('VALIDATION_FAILED', message, undefined, field);
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail('the body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!['sourceEnvironmentId', 'projectId', 'revision', 'deploy'].includes(key)) {
      fail(`unknown field ${JSON.stringify(key.slice(0, 40))}`, key.slice(0, 40));
    }
  }
  const { sourceEnvironmentId, projectId, revision, deploy } = fields;
  if (typeof sourceEnvironmentId !== 'string' || !isUuid(sourceEnvironmentId)) {
    fail('sourceEnvironmentId must be an environment id (a UUID)', 'sourceEnvironmentId');
  }
  if (typeof projectId !== 'string' || !isUuid(projectId)) {
    fail('projectId must be a project id (a UUID)', 'projectId');
  }
  if (
    revision !== undefined &&
    (typeof revision !== 'number' || !Number.isInteger(revision) || revision < 1)
  ) {
    fail('revision must be a positive integer', 'revision');
  }
  if (deploy !== undefined && typeof deploy !== 'boolean') {
    fail('deploy must be true or false', 'deploy');
  }
  return {
    sourceEnvironmentId: sourceEnvironmentId as string,
    projectId: projectId as string,
    ...(revision === undefined ? {} : { revision: revision as number }),
    ...(deploy === undefined ? {} : { deploy: deploy as boolean }),
  };
}

/**
 * Promotion copies one revision of a project from one environment to another (development →
 * test → production): the same document becomes a new revision of the project of that name in
 * the target, which then runs with the TARGET's variables. The diff against what the target has
 * is shown first. The caller has checked Write on the target (the route) and Read on the source.
 */
export class Promotions {
  constructor(
    private readonly db: DataSource,
    private readonly projects: Projects,
    private readonly deployments: Deployments,
  ) {}

  async preview(
    orgId: OrgId,
    targetEnvironmentId: string,
    request: PromotionRequest,
  ): Promise<PromotionPreview> {
    return inTenant(this.db, orgId, async (tx) => {
      const { source, target } = await this.#load(tx, targetEnvironmentId, request);
      return {
        sourceRevision: source.revision,
        targetRevision: target?.revision ?? null,
        changes: diffProjects(target?.document ?? nothing(source.document), source.document),
      };
    });
  }

  async promote(
    orgId: OrgId,
    targetEnvironmentId: string,
    request: PromotionRequest,
    actor: AuditActor,
  ): Promise<PromotionResult> {
    return inTenant(this.db, orgId, async (tx) => {
      const { source, target } = await this.#load(tx, targetEnvironmentId, request);
      const changes = diffProjects(target?.document ?? nothing(source.document), source.document);
      const pushed = await this.projects.pushIn(tx, targetEnvironmentId, source.document, actor, {
        source: 'promotion',
        promotedFrom: {
          environmentId: request.sourceEnvironmentId,
          projectId: request.projectId,
          revision: source.revision,
        },
      });
      const deployment = request.deploy
        ? await this.deployments.deployIn(
            tx,
            targetEnvironmentId,
            pushed.project.id,
            pushed.revision.revision,
            actor,
          )
        : undefined;
      return {
        ...pushed,
        project:
          deployment === undefined
            ? pushed.project
            : { ...pushed.project, deployedRevision: deployment.revision },
        changes,
        ...(deployment === undefined ? {} : { deployment }),
      };
    });
  }

  async #load(
    tx: TenantTransaction,
    targetEnvironmentId: string,
    request: PromotionRequest,
  ): Promise<{ source: RevisionDocument; target: RevisionDocument | undefined }> {
    if (request.sourceEnvironmentId === targetEnvironmentId) {
      throw new ProjectsError(
        'PROMOTION_INVALID',
        'sourceEnvironmentId is the target environment: promote to another environment',
      );
    }
    const project = await findProject(tx, request.sourceEnvironmentId, request.projectId);
    const revision = request.revision ?? project.deployed_revision ?? project.latest_revision;
    const source = await findRevision(tx, project.id, revision);
    const [existing] = await selectRows<{ id: string; latest_revision: number }>(
      tx,
      `SELECT id, latest_revision FROM projects WHERE org_id = $1 AND environment_id = $2 AND name = $3`,
      [tx.orgId, targetEnvironmentId, project.name],
    );
    const target =
      existing === undefined || existing.latest_revision === 0
        ? undefined
        : await findRevision(tx, existing.id, existing.latest_revision);
    return { source, target };
  }
}

/** What a target without the project has: the same name and nothing else, so all is `added`. */
function nothing(source: ProjectDocument): ProjectDocument {
  return { version: 1, name: source.name } as ProjectDocument;
}
