import type { DataSource } from 'typeorm';
import { resolvePrincipal, type AccessLevel, type Principal, type Role } from '@weft/rbac';
import { asOrgId, inTenant } from '../database/tenant.js';
import type { ActiveSession } from './sessions.js';

/**
 * Why a signed-in person may not act in their session's organization yet: its policy asks for
 * a second factor (enrol or sign in with one) or for sign-in through its identity provider.
 */
export type SessionRestriction = 'two_factor_required' | 'single_sign_on_required';

/** Builds the principal of a signed-in person from their roles in the session's organization. */
export class Principals {
  constructor(private readonly db: DataSource) {}

  /** An API key acts in its organization with the roles it carries (those its creator still holds). */
  async forApiKey(keyId: string, orgId: string, roleIds: readonly string[]): Promise<Principal> {
    const rows = (await inTenant(this.db, asOrgId(orgId), (tx) =>
      tx.query(
        `SELECT id, name, admin, default_levels, environment_levels FROM roles
         WHERE org_id = $1 AND id = ANY ($2::uuid[])`,
        [orgId, [...roleIds]],
      ),
    )) as RoleRow[];
    return resolvePrincipal({ kind: 'api_key', id: keyId, orgId }, rows.map(toRole));
  }

  /**
   * The principal of a session, after the organization's sign-in policies: a session that does
   * not meet them acts in no organization (it can still read itself, enrol a second factor and
   * sign out) and carries the reason, which the session endpoint reports.
   */
  async forSession(
    session: Pick<ActiveSession, 'userId' | 'activeOrgId' | 'authMethod' | 'ssoOrgId'>,
  ): Promise<{ principal: Principal; restriction?: SessionRestriction }> {
    const { userId, activeOrgId: orgId } = session;
    if (orgId === null) return { principal: await this.forUser(userId, null) };
    const [policy] = (await inTenant(this.db, asOrgId(orgId), (tx) =>
      tx.query(
        `SELECT o.require_two_factor, coalesce(p.enforced, false) AS sso_enforced
         FROM organizations o LEFT JOIN org_identity_providers p ON p.org_id = o.id
         WHERE o.id = $1`,
        [orgId],
      ),
    )) as Array<{ require_two_factor: boolean; sso_enforced: boolean }>;
    const viaThisProvider = session.authMethod === 'oidc' && session.ssoOrgId === orgId;
    // A provider vouches for its own organization only (switching is refused too).
    const viaAnotherProvider = session.authMethod === 'oidc' && !viaThisProvider;
    const restriction: SessionRestriction | undefined =
      (policy?.sso_enforced === true && !viaThisProvider) || viaAnotherProvider
        ? 'single_sign_on_required'
        : policy?.require_two_factor === true &&
            session.authMethod === 'password' &&
            !viaThisProvider
          ? 'two_factor_required'
          : undefined;
    if (restriction !== undefined) {
      return { principal: resolvePrincipal({ kind: 'user', id: userId }), restriction };
    }
    return { principal: await this.forUser(userId, orgId) };
  }

  async forUser(userId: string, orgId: string | null): Promise<Principal> {
    if (orgId === null) return resolvePrincipal({ kind: 'user', id: userId });
    // A member with no roles is still a member (of the organization, with no access levels);
    // no membership any more: signed in, but acting in no organization.
    const rows = (await inTenant(this.db, asOrgId(orgId), (tx) =>
      tx.query(
        `SELECT r.id, r.name, r.admin, r.default_levels, r.environment_levels
         FROM memberships m LEFT JOIN roles r ON r.id = ANY (m.role_ids)
         WHERE m.user_id = $1 AND m.org_id = $2`,
        [userId, orgId],
      ),
    )) as Array<RoleRow | { id: null }>;
    if (rows.length === 0) return resolvePrincipal({ kind: 'user', id: userId });
    const roles = rows.filter((row): row is RoleRow => row.id !== null).map(toRole);
    return resolvePrincipal({ kind: 'user', id: userId, orgId }, roles);
  }
}
interface RoleRow {
  id: string;
  name: string;
  admin: boolean;
  default_levels: AccessLevel[];
  environment_levels: Record<string, AccessLevel[]>;
}

function toRole(row: RoleRow): Role {
  return {
    id: row.id,
    name: row.name,
    admin: row.admin,
    environments: row.environment_levels,
    defaultEnvironmentLevels: row.default_levels,
  };
}
