import { ACCESS_LEVELS, isAccessLevel, type AccessLevel } from '@weft/rbac';
import type { DataSource } from 'typeorm';
import { recordAudit, type AuditActor } from '../audit/audit-trail.js';
import { isUuid } from '../database/ids.js';
import { changeRows } from '../database/sql.js';
import { inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';

const ORGANIZATION_ERROR = Symbol.for('weft.control-plane.organization-error');

export type OrganizationErrorCode =
  | 'NOT_FOUND'
  | 'NAME_TAKEN'
  | 'ENVIRONMENT_NOT_EMPTY'
  | 'BUILT_IN_ROLE'
  | 'LAST_ADMINISTRATOR'
  | 'VALIDATION_FAILED';

/** A refused change to an organization's structure; the controller maps `code` to a status. */
export class OrganizationError extends Error {
  readonly [ORGANIZATION_ERROR] = true;
  constructor(
    readonly code: OrganizationErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'OrganizationError';
  }
  static is(value: unknown): value is OrganizationError {
    return typeof value === 'object' && value !== null && ORGANIZATION_ERROR in value;
  }
}

export interface EnvironmentView {
  id: string;
  name: string;
  kind: string;
  createdAt: string;
}

export interface RoleView {
  id: string;
  name: string;
  builtIn: boolean;
  admin: boolean;
  defaultLevels: AccessLevel[];
  environmentLevels: Record<string, AccessLevel[]>;
}

export interface MemberView {
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  roleIds: string[];
  twoFactor: boolean;
  joinedAt: string;
}

export interface ChangeContext {
  actor: AuditActor;
  ip?: string;
}

const notFound = (what: string) => new OrganizationError('NOT_FOUND', `no such ${what}`);

/**
 * An organization's structure: environments, roles and their grants, members and their roles.
 * Every change runs in the organization's tenant transaction, is audited in it, and keeps one
 * invariant: the organization always has at least one administrator. Changes to roles and
 * memberships lock the organization row first, so two administrators demoting each other at
 * the same moment cannot both succeed.
 */
export class OrganizationAdmin {
  constructor(private readonly db: DataSource) {}

  listEnvironments(orgId: OrgId): Promise<EnvironmentView[]> {
    return inTenant(this.db, orgId, async (tx) =>
      (
        (await tx.query(
          `SELECT id, name, kind, created_at FROM environments WHERE org_id = $1 ORDER BY created_at, name`,
          [orgId],
        )) as EnvironmentRow[]
      ).map(environmentView),
    );
  }

  createEnvironment(
    orgId: OrgId,
    input: { name: string; kind: string },
    context: ChangeContext,
  ): Promise<EnvironmentView> {
    return inTenant(this.db, orgId, async (tx) => {
      await assertNameFree(tx, 'environments', input.name);
      const [row] = (await tx.query(
        `INSERT INTO environments (org_id, name, kind) VALUES ($1, $2, $3)
         RETURNING id, name, kind, created_at`,
        [orgId, input.name, input.kind],
      )) as EnvironmentRow[];
      await audit(
        tx,
        context,
        'environment.manage',
        'environment',
        row!.id,
        { change: 'created' },
        row!.id,
      );
      return environmentView(row!);
    });
  }

  renameEnvironment(
    orgId: OrgId,
    environmentId: string,
    name: string,
    context: ChangeContext,
  ): Promise<EnvironmentView> {
    return inTenant(this.db, orgId, async (tx) => {
      await assertNameFree(tx, 'environments', name, environmentId);
      const { rows } = await changeRows<EnvironmentRow>(
        tx,
        `UPDATE environments SET name = $3 WHERE org_id = $1 AND id = $2
         RETURNING id, name, kind, created_at`,
        [orgId, uuidOr(environmentId), name],
      );
      if (rows[0] === undefined) throw notFound('environment');
      await audit(
        tx,
        context,
        'environment.manage',
        'environment',
        environmentId,
        { change: 'renamed' },
        environmentId,
      );
      return environmentView(rows[0]);
    });
  }

  /** Deletes an empty environment; one that still holds secrets is refused. */
  deleteEnvironment(orgId: OrgId, environmentId: string, context: ChangeContext): Promise<void> {
    return inTenant(this.db, orgId, async (tx) => {
      const [usage] = (await tx.query(
        `SELECT (SELECT count(*)::int FROM secrets WHERE org_id = $1 AND environment_id = $2) AS secrets`,
        [orgId, uuidOr(environmentId)],
      )) as Array<{ secrets: number }>;
      if ((usage?.secrets ?? 0) > 0) {
        throw new OrganizationError(
          'ENVIRONMENT_NOT_EMPTY',
          `the environment still holds ${usage!.secrets} secrets or variables; delete them first`,
        );
      }
      const { count } = await changeRows(
        tx,
        `DELETE FROM environments WHERE org_id = $1 AND id = $2`,
        [orgId, uuidOr(environmentId)],
      );
      if (count === 0) throw notFound('environment');
      // Grants on the environment go with it.
      await tx.query(
        `UPDATE roles SET environment_levels = environment_levels - $2::text
         WHERE org_id = $1 AND environment_levels ? $2::text`,
        [orgId, environmentId],
      );
      await audit(tx, context, 'environment.manage', 'environment', environmentId, {
        change: 'deleted',
      });
    });
  }

  listRoles(orgId: OrgId): Promise<RoleView[]> {
    return inTenant(this.db, orgId, async (tx) =>
      (
        (await tx.query(
          `SELECT id, name, built_in, admin, default_levels, environment_levels FROM roles
         WHERE org_id = $1 ORDER BY built_in DESC, name`,
          [orgId],
        )) as RoleRow[]
      ).map(roleView),
    );
  }

  createRole(orgId: OrgId, input: RoleInput, context: ChangeContext): Promise<RoleView> {
    return inTenant(this.db, orgId, async (tx) => {
      if (input.name === undefined) {
        throw new OrganizationError('VALIDATION_FAILED', 'name is required', 'name');
      }
      await assertNameFree(tx, 'roles', input.name);
      const levels = await checkLevels(tx, input);
      const [row] = (await tx.query(
        `INSERT INTO roles (org_id, name, admin, default_levels, environment_levels)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING id, name, built_in, admin, default_levels, environment_levels`,
        [
          orgId,
          input.name,
          input.admin ?? false,
          JSON.stringify(levels.defaultLevels ?? []),
          JSON.stringify(levels.environmentLevels ?? {}),
        ],
      )) as RoleRow[];
      await audit(tx, context, 'role.manage', 'role', row!.id, {
        change: 'created',
        name: input.name,
      });
      return roleView(row!);
    });
  }

  updateRole(
    orgId: OrgId,
    roleId: string,
    input: RoleInput,
    context: ChangeContext,
  ): Promise<RoleView> {
    return inTenant(this.db, orgId, async (tx) => {
      await lockOrganization(tx);
      const role = await findRole(tx, roleId);
      if (role.built_in && (input.name !== undefined || input.admin !== undefined)) {
        throw new OrganizationError(
          'BUILT_IN_ROLE',
          'a built-in role keeps its name and administrator flag; create a custom role instead',
        );
      }
      if (input.name !== undefined) await assertNameFree(tx, 'roles', input.name, roleId);
      const levels = await checkLevels(tx, input);
      const { rows } = await changeRows<RoleRow>(
        tx,
        `UPDATE roles SET name = coalesce($3, name), admin = coalesce($4, admin),
           default_levels = coalesce($5::jsonb, default_levels),
           environment_levels = coalesce($6::jsonb, environment_levels)
         WHERE org_id = $1 AND id = $2
         RETURNING id, name, built_in, admin, default_levels, environment_levels`,
        [
          orgId,
          role.id,
          input.name ?? null,
          input.admin ?? null,
          levels.defaultLevels === undefined ? null : JSON.stringify(levels.defaultLevels),
          levels.environmentLevels === undefined ? null : JSON.stringify(levels.environmentLevels),
        ],
      );
      await assertAdministratorRemains(tx);
      await audit(tx, context, 'role.manage', 'role', role.id, {
        change: 'changed',
        name: rows[0]!.name,
      });
      return roleView(rows[0]!);
    });
  }

  deleteRole(orgId: OrgId, roleId: string, context: ChangeContext): Promise<void> {
    return inTenant(this.db, orgId, async (tx) => {
      await lockOrganization(tx);
      const role = await findRole(tx, roleId);
      if (role.built_in) {
        throw new OrganizationError('BUILT_IN_ROLE', 'built-in roles cannot be deleted');
      }
      await tx.query(
        `UPDATE memberships SET role_ids = array_remove(role_ids, $2::uuid)
         WHERE org_id = $1 AND $2::uuid = ANY (role_ids)`,
        [orgId, role.id],
      );
      await tx.query(`DELETE FROM roles WHERE org_id = $1 AND id = $2`, [orgId, role.id]);
      await assertAdministratorRemains(tx);
      await audit(tx, context, 'role.manage', 'role', role.id, {
        change: 'deleted',
        name: role.name,
      });
    });
  }

  async listMembers(orgId: OrgId): Promise<MemberView[]> {
    const rows = await inTenant(
      this.db,
      orgId,
      async (tx) =>
        (await tx.query(
          `SELECT u.id, u.email, u.first_name, u.last_name, m.role_ids, m.created_at
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 ORDER BY u.email`,
          [orgId],
        )) as MemberRow[],
    );
    // Second factors are a person's, outside any tenant: read for exactly these members.
    const withTwoFactor = new Set(
      (
        (await this.db.query(
          `SELECT user_id FROM user_totp WHERE user_id = ANY ($1::uuid[]) AND confirmed_at IS NOT NULL`,
          [rows.map((row) => row.id)],
        )) as Array<{ user_id: string }>
      ).map((row) => row.user_id),
    );
    return rows.map((row) => memberView({ ...row, two_factor: withTwoFactor.has(row.id) }));
  }

  async setMemberRoles(
    orgId: OrgId,
    userId: string,
    roleIds: readonly string[],
    context: ChangeContext,
  ): Promise<MemberView> {
    await inTenant(this.db, orgId, async (tx) => {
      await lockOrganization(tx);
      const unique = [...new Set(roleIds)];
      const known = (await tx.query(
        `SELECT id FROM roles WHERE org_id = $1 AND id = ANY ($2::uuid[])`,
        [orgId, unique],
      )) as Array<{ id: string }>;
      if (known.length !== unique.length) {
        throw new OrganizationError(
          'VALIDATION_FAILED',
          'roleIds names a role this organization does not have',
          'roleIds',
        );
      }
      const { count } = await changeRows(
        tx,
        `UPDATE memberships SET role_ids = $3 WHERE org_id = $1 AND user_id = $2`,
        [orgId, uuidOr(userId), unique],
      );
      if (count === 0) throw notFound('member');
      await assertAdministratorRemains(tx);
      await audit(tx, context, 'member.manage', 'user', userId, {
        change: 'roles',
        roles: unique.length,
      });
    });
    const members = await this.listMembers(orgId);
    return members.find((member) => member.userId === userId)!;
  }

  /**
   * Removes a member: their sessions stop acting here at once (the principal is built from the
   * membership on every request) and the API keys they created for this organization are revoked.
   */
  removeMember(orgId: OrgId, userId: string, context: ChangeContext): Promise<void> {
    return inTenant(this.db, orgId, async (tx) => {
      await lockOrganization(tx);
      const { count } = await changeRows(
        tx,
        `DELETE FROM memberships WHERE org_id = $1 AND user_id = $2`,
        [orgId, uuidOr(userId)],
      );
      if (count === 0) throw notFound('member');
      await assertAdministratorRemains(tx);
      const revoked = await changeRows(
        tx,
        `UPDATE api_keys SET revoked_at = now()
         WHERE org_id = $1 AND created_by = $2 AND revoked_at IS NULL`,
        [orgId, userId],
      );
      await audit(tx, context, 'member.manage', 'user', userId, {
        change: 'removed',
        apiKeysRevoked: revoked.count,
      });
    });
  }
}

export interface RoleInput {
  name?: string;
  admin?: boolean;
  defaultLevels?: string[];
  environmentLevels?: Record<string, unknown>;
}

interface EnvironmentRow {
  id: string;
  name: string;
  kind: string;
  created_at: Date;
}

interface RoleRow {
  id: string;
  name: string;
  built_in: boolean;
  admin: boolean;
  default_levels: AccessLevel[];
  environment_levels: Record<string, AccessLevel[]>;
}

interface MemberRow {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  role_ids: string[];
  created_at: Date;
  two_factor?: boolean | null;
}

function environmentView(row: EnvironmentRow): EnvironmentView {
  return { id: row.id, name: row.name, kind: row.kind, createdAt: row.created_at.toISOString() };
}

function roleView(row: RoleRow): RoleView {
  return {
    id: row.id,
    name: row.name,
    builtIn: row.built_in,
    admin: row.admin,
    defaultLevels: row.default_levels,
    environmentLevels: row.environment_levels,
  };
}

function memberView(row: MemberRow): MemberView {
  return {
    userId: row.id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    roleIds: row.role_ids,
    twoFactor: row.two_factor === true,
    joinedAt: row.created_at.toISOString(),
  };
}

/** A malformed id matches nothing (a 404), rather than failing the query. */
function uuidOr(id: string): string {
  return isUuid(id) ? id : '00000000-0000-0000-0000-000000000000';
}

async function lockOrganization(tx: TenantTransaction): Promise<void> {
  await tx.query(`SELECT id FROM organizations WHERE id = $1 FOR UPDATE`, [tx.orgId]);
}

async function findRole(tx: TenantTransaction, roleId: string): Promise<RoleRow> {
  const [role] = (await tx.query(
    `SELECT id, name, built_in, admin, default_levels, environment_levels FROM roles
     WHERE org_id = $1 AND id = $2 FOR UPDATE`,
    [tx.orgId, uuidOr(roleId)],
  )) as RoleRow[];
  if (role === undefined) throw notFound('role');
  return role;
}

async function assertNameFree(
  tx: TenantTransaction,
  table: 'environments' | 'roles',
  name: string,
  except?: string,
): Promise<void> {
  const taken = (await tx.query(
    `SELECT 1 FROM ${table} WHERE org_id = $1 AND lower(name) = lower($2) AND id <> $3`,
    [
      tx.orgId,
      name,
      except !== undefined ? uuidOr(except) : '00000000-0000-0000-0000-000000000000',
    ],
  )) as unknown[];
  if (taken.length > 0) {
    const what = table === 'roles' ? 'a role' : 'an environment';
    throw new OrganizationError(
      'NAME_TAKEN',
      `${what} of this organization is already called that`,
      'name',
    );
  }
}

/** Levels known, environments of this organization; each list de-duplicated. */
async function checkLevels(
  tx: TenantTransaction,
  input: RoleInput,
): Promise<{ defaultLevels?: AccessLevel[]; environmentLevels?: Record<string, AccessLevel[]> }> {
  const result: {
    defaultLevels?: AccessLevel[];
    environmentLevels?: Record<string, AccessLevel[]>;
  } = {};
  if (input.defaultLevels !== undefined) {
    result.defaultLevels = [...new Set(input.defaultLevels.filter(isAccessLevel))];
  }
  if (input.environmentLevels !== undefined) {
    const entries = Object.entries(input.environmentLevels);
    const environments = new Set(
      (
        (await tx.query(`SELECT id FROM environments WHERE org_id = $1`, [tx.orgId])) as Array<{
          id: string;
        }>
      ).map((row) => row.id),
    );
    const levels: Record<string, AccessLevel[]> = {};
    for (const [environmentId, value] of entries) {
      const field = `environmentLevels.${environmentId.slice(0, 40)}`;
      if (!environments.has(environmentId)) {
        throw new OrganizationError(
          'VALIDATION_FAILED',
          `${field} is not an environment of this organization`,
          field,
        );
      }
      if (
        !Array.isArray(value) ||
        value.length > ACCESS_LEVELS.length ||
        !value.every(isAccessLevel)
      ) {
        throw new OrganizationError(
          'VALIDATION_FAILED',
          `${field} must be a list of ${ACCESS_LEVELS.join(', ')}`,
          field,
        );
      }
      levels[environmentId] = [...new Set(value)];
    }
    result.environmentLevels = levels;
  }
  return result;
}

async function assertAdministratorRemains(tx: TenantTransaction): Promise<void> {
  const [row] = (await tx.query(
    `SELECT count(*)::int AS n FROM memberships m JOIN roles r ON r.id = ANY (m.role_ids)
     WHERE m.org_id = $1 AND r.org_id = $1 AND r.admin`,
    [tx.orgId],
  )) as Array<{ n: number }>;
  if ((row?.n ?? 0) === 0) {
    throw new OrganizationError(
      'LAST_ADMINISTRATOR',
      'the organization would be left without an administrator; give someone else an administrator role first',
    );
  }
}

async function audit(
  tx: TenantTransaction,
  context: ChangeContext,
  action: 'environment.manage' | 'role.manage' | 'member.manage',
  targetType: string,
  targetId: string,
  details: Record<string, string | number | boolean>,
  environmentId?: string,
): Promise<void> {
  await recordAudit(tx, [
    {
      orgId: tx.orgId,
      actor: context.actor,
      action,
      target: { type: targetType, id: targetId },
      outcome: 'succeeded',
      ...(environmentId !== undefined ? { environmentId } : {}),
      ...(context.ip !== undefined ? { ip: context.ip } : {}),
      details,
    },
  ]);
}
