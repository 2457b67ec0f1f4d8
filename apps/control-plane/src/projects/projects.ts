import type { DataSource } from 'typeorm';
import { ProjectError, projectDigest, validateProject, type ProjectDocument } from '@weft/project';
import { recordAudit, type AuditActor } from '../audit/audit-trail.js';
import { isUuid } from '../database/ids.js';
import { changeRows, selectRows } from '../database/sql.js';
import { inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import { fileReferences, referencedFiles } from '../files/file-references.js';
import { FilesError } from '../files/files-error.js';
import type { ProjectFileAccess } from '../files/project-files.js';
import { ProjectsError } from './projects-error.js';

export interface ProjectView {
  id: string;
  environmentId: string;
  name: string;
  description: string;
  latestRevision: number;
  deployedRevision: number | null;
  createdAt: string;
  updatedAt: string;
}

export type RevisionSource = 'push' | 'promotion' | 'import';

/** Where a promoted revision came from. */
export interface PromotedFrom {
  environmentId: string;
  projectId: string;
  revision: number;
}

export interface RevisionView {
  revision: number;
  digest: string;
  source: RevisionSource;
  promotedFrom?: PromotedFrom;
  createdBy: { type: string; id: string };
  createdAt: string;
}

export interface RevisionDocument extends RevisionView {
  document: ProjectDocument;
}

export interface PushResult {
  project: ProjectView;
  revision: RevisionView;
  /** False when the document equals the latest revision's: nothing new was stored. */
  created: boolean;
}

interface ProjectRow {
  id: string;
  environment_id: string;
  name: string;
  description: string;
  latest_revision: number;
  deployed_revision: number | null;
  created_at: Date;
  updated_at: Date;
}

interface RevisionRow {
  revision: number;
  digest: string;
  source: RevisionSource;
  promoted_from: PromotedFrom | null;
  created_by_kind: string;
  created_by: string;
  created_at: Date;
  document?: ProjectDocument;
}

const PROJECT_COLUMNS = `id, environment_id, name, description, latest_revision, deployed_revision,
  created_at, updated_at`;
const REVISION_COLUMNS = `revision, digest, source, promoted_from, created_by_kind, created_by, created_at`;

/**
 * Checks a whole project document; every problem is listed with its path. With `files` (the
 * environment's schema files the document names), each `file:` interface must be one of them.
 */
export function checkProject(
  document: unknown,
  files?: ReadonlyMap<string, string>,
): ProjectDocument {
  // PostgreSQL cannot store a NUL in jsonb text: refused here, named, instead of failing later.
  if (JSON.stringify(document ?? null).includes('\\u0000')) {
    throw new ProjectsError(
      'PROJECT_INVALID',
      'the document contains a NUL character (\\u0000), which no field may hold',
      [{ path: '', code: 'invalid_value', message: 'contains a NUL character' }],
      'document',
    );
  }
  try {
    return validateProject(document, files === undefined ? {} : { files });
  } catch (error) {
    if (!ProjectError.is(error)) throw error;
    throw new ProjectsError('PROJECT_INVALID', error.message, error.problems, 'document');
  }
}

/**
 * The design repository of an environment: projects and their immutable revisions. A push
 * validates the whole document first (nothing invalid is stored) and stores a new revision
 * only when the document changed, so a CI job can push on every commit. Every query is scoped
 * by organization (row-level security) and by the environment in the path.
 */
export class Projects {
  constructor(
    private readonly db: DataSource,
    private readonly files: ProjectFileAccess,
  ) {}

  async push(
    orgId: OrgId,
    environmentId: string,
    document: unknown,
    actor: AuditActor,
    origin: { source: RevisionSource; promotedFrom?: PromotedFrom } = { source: 'push' },
  ): Promise<PushResult> {
    // A `file:` interface is built from the environment's file, so it is checked like the rest.
    const files = await inTenant(this.db, orgId, async (tx) => {
      await assertEnvironment(tx, environmentId);
      return schemaFiles(() =>
        this.files.schemaTextsIn(tx, environmentId, referencedFiles(document)),
      );
    });
    const project = checkProject(document, files);
    return inTenant(this.db, orgId, (tx) => this.pushIn(tx, environmentId, project, actor, origin));
  }

  /** `push` inside the caller's transaction, for a document already checked. */
  async pushIn(
    tx: TenantTransaction,
    environmentId: string,
    project: ProjectDocument,
    actor: AuditActor,
    origin: { source: RevisionSource; promotedFrom?: PromotedFrom },
  ): Promise<PushResult> {
    await assertEnvironment(tx, environmentId);
    await this.#holdFiles(tx, environmentId, project, actor, origin.promotedFrom);
    const digest = projectDigest(project);
    // Two pushes of one new name would otherwise both insert (and two revisions race for N+1).
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `weft.project:${environmentId}:${project.name}`,
    ]);
    let [row] = await selectRows<ProjectRow>(
      tx,
      `SELECT ${PROJECT_COLUMNS} FROM projects
       WHERE org_id = $1 AND environment_id = $2 AND name = $3 FOR UPDATE`,
      [tx.orgId, environmentId, project.name],
    );
    if (row !== undefined && row.latest_revision > 0) {
      const [latest] = await selectRows<RevisionRow>(
        tx,
        `SELECT ${REVISION_COLUMNS} FROM project_revisions WHERE project_id = $1 AND revision = $2`,
        [row.id, row.latest_revision],
      );
      if (latest !== undefined && latest.digest === digest) {
        return { project: toProjectView(row), revision: toRevisionView(latest), created: false };
      }
    }
    if (row === undefined) {
      [row] = await selectRows<ProjectRow>(
        tx,
        `INSERT INTO projects (org_id, environment_id, name, description)
         VALUES ($1, $2, $3, $4) RETURNING ${PROJECT_COLUMNS}`,
        [tx.orgId, environmentId, project.name, project.description ?? ''],
      );
    }
    if (row === undefined) throw new Error('project insert returned no row');
    const next = row.latest_revision + 1;
    const [revision] = await selectRows<RevisionRow>(
      tx,
      `INSERT INTO project_revisions
         (org_id, project_id, revision, document, digest, source, promoted_from, created_by_kind, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${REVISION_COLUMNS}`,
      [
        tx.orgId,
        row.id,
        next,
        JSON.stringify(project),
        digest,
        origin.source,
        origin.promotedFrom === undefined ? null : JSON.stringify(origin.promotedFrom),
        actor.type,
        actor.id,
      ],
    );
    const {
      rows: [updated],
    } = await changeRows<ProjectRow>(
      tx,
      `UPDATE projects SET latest_revision = $2, description = $3, updated_at = now()
       WHERE id = $1 RETURNING ${PROJECT_COLUMNS}`,
      [row.id, next, project.description ?? ''],
    );
    if (revision === undefined || updated === undefined) throw new Error('revision not stored');
    await recordAudit(tx, [
      {
        orgId: tx.orgId,
        actor,
        action: 'project.write',
        target: { type: 'project', id: row.id },
        outcome: 'succeeded',
        environmentId,
        details: { name: project.name, revision: next, source: origin.source, digest },
      },
    ]);
    return { project: toProjectView(updated), revision: toRevisionView(revision), created: true };
  }

  /**
   * Holds the files the document names until the revision is stored (a file is not deleted
   * while a revision names it); a promotion first brings them from the source environment.
   */
  async #holdFiles(
    tx: TenantTransaction,
    environmentId: string,
    project: ProjectDocument,
    actor: AuditActor,
    promotedFrom: PromotedFrom | undefined,
  ): Promise<void> {
    const references = fileReferences(project);
    if (references.length === 0) return;
    const named = referencedFiles(project);
    if (promotedFrom !== undefined) {
      await this.files.copyIn(tx, promotedFrom.environmentId, environmentId, named, actor);
    }
    const missing = new Set(await this.files.holdIn(tx, environmentId, named));
    if (missing.size === 0) return;
    throw new ProjectsError(
      'PROJECT_INVALID',
      'the project names files this environment does not have',
      references
        .filter((reference) => missing.has(reference.sha256))
        .map((reference) => ({
          path: reference.path,
          code: 'unknown_reference',
          message: 'names a file the file service does not have',
        })),
      'document',
    );
  }

  async list(orgId: OrgId, environmentId: string): Promise<ProjectView[]> {
    return inTenant(this.db, orgId, async (tx) => {
      await assertEnvironment(tx, environmentId);
      const rows = await selectRows<ProjectRow>(
        tx,
        `SELECT ${PROJECT_COLUMNS} FROM projects WHERE org_id = $1 AND environment_id = $2
         ORDER BY name`,
        [orgId, environmentId],
      );
      return rows.map(toProjectView);
    });
  }

  async get(orgId: OrgId, environmentId: string, projectId: string): Promise<ProjectView> {
    return inTenant(this.db, orgId, async (tx) =>
      toProjectView(await findProject(tx, environmentId, projectId)),
    );
  }

  async byName(orgId: OrgId, environmentId: string, name: string): Promise<ProjectView> {
    return inTenant(this.db, orgId, async (tx) => {
      const [row] = await selectRows<ProjectRow>(
        tx,
        `SELECT ${PROJECT_COLUMNS} FROM projects WHERE org_id = $1 AND environment_id = $2 AND name = $3`,
        [orgId, environmentId, name],
      );
      if (row === undefined) throw notFound();
      return toProjectView(row);
    });
  }

  async revisions(orgId: OrgId, environmentId: string, projectId: string): Promise<RevisionView[]> {
    return inTenant(this.db, orgId, async (tx) => {
      await findProject(tx, environmentId, projectId);
      const rows = await selectRows<RevisionRow>(
        tx,
        `SELECT ${REVISION_COLUMNS} FROM project_revisions WHERE project_id = $1 ORDER BY revision DESC`,
        [projectId],
      );
      return rows.map(toRevisionView);
    });
  }

  async revision(
    orgId: OrgId,
    environmentId: string,
    projectId: string,
    revision: number,
  ): Promise<RevisionDocument> {
    return inTenant(this.db, orgId, async (tx) => {
      await findProject(tx, environmentId, projectId);
      return findRevision(tx, projectId, revision);
    });
  }
}

export async function assertEnvironment(tx: TenantTransaction, environmentId: string) {
  if (!isUuid(environmentId)) throw new ProjectsError('NOT_FOUND', 'no such environment');
  const rows = await selectRows<{ id: string }>(
    tx,
    `SELECT id FROM environments WHERE org_id = $1 AND id = $2`,
    [tx.orgId, environmentId],
  );
  if (rows.length === 0) throw new ProjectsError('NOT_FOUND', 'no such environment');
}

export async function findProject(
  tx: TenantTransaction,
  environmentId: string,
  projectId: string,
  lock = false,
): Promise<ProjectRow> {
  if (!isUuid(projectId) || !isUuid(environmentId)) throw notFound();
  const [row] = await selectRows<ProjectRow>(
    tx,
    `SELECT ${PROJECT_COLUMNS} FROM projects WHERE org_id = $1 AND environment_id = $2 AND id = $3
     ${lock ? 'FOR UPDATE' : ''}`,
    [tx.orgId, environmentId, projectId],
  );
  if (row === undefined) throw notFound();
  return row;
}

export async function findRevision(
  tx: TenantTransaction,
  projectId: string,
  revision: number,
): Promise<RevisionDocument> {
  const [row] = await selectRows<RevisionRow & { document: ProjectDocument }>(
    tx,
    `SELECT ${REVISION_COLUMNS}, document FROM project_revisions WHERE project_id = $1 AND revision = $2`,
    [projectId, revision],
  );
  if (row === undefined) {
    throw new ProjectsError('REVISION_NOT_FOUND', `the project has no revision ${revision}`);
  }
  return { ...toRevisionView(row), document: row.document };
}

/** The schema files a project names; too many bytes of them make the project invalid. */
export async function schemaFiles(
  load: () => Promise<Map<string, string>>,
): Promise<Map<string, string>> {
  try {
    return await load();
  } catch (error) {
    if (!FilesError.is(error) || error.code !== 'FILE_TOO_LARGE') throw error;
    throw new ProjectsError(
      'PROJECT_INVALID',
      error.message,
      [{ path: '', code: 'too_large', message: error.message }],
      'document',
    );
  }
}

function notFound(): ProjectsError {
  return new ProjectsError('NOT_FOUND', 'no such project in this environment');
}

export function toProjectView(row: ProjectRow): ProjectView {
  return {
    id: row.id,
    environmentId: row.environment_id,
    name: row.name,
    description: row.description,
    latestRevision: row.latest_revision,
    deployedRevision: row.deployed_revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toRevisionView(row: RevisionRow): RevisionView {
  return {
    revision: row.revision,
    digest: row.digest,
    source: row.source,
    ...(row.promoted_from === null ? {} : { promotedFrom: row.promoted_from }),
    createdBy: { type: row.created_by_kind, id: row.created_by },
    createdAt: row.created_at.toISOString(),
  };
}

export type { ProjectRow };
