import type { DataSource } from 'typeorm';
import { resolvePrincipal, type AccessLevel, type Principal, type Role } from '@weft/rbac';
import { asOrgId, inTenant } from '../database/tenant.js';

/** Builds the principal of a signed-in person from their roles in the session's organization. */
export class Principals {
  constructor(private readonly db: DataSource) {}

  async forUser(userId: string, orgId: string | null): Promise<Principal> {
    if (orgId === null) return resolvePrincipal({ kind: 'user', id: userId });
    const rows = (await inTenant(this.db, asOrgId(orgId), (tx) =>
      tx.query(
        `SELECT r.id, r.name, r.admin, r.default_levels, r.environment_levels
         FROM memberships m JOIN roles r ON r.id = ANY (m.role_ids)
         WHERE m.user_id = $1 AND m.org_id = $2`,
        [userId, orgId],
      ),
    )) as Array<{
      id: string;
      name: string;
      admin: boolean;
      default_levels: AccessLevel[];
      environment_levels: Record<string, AccessLevel[]>;
    }>;
    // No membership (any more): signed in, but acting in no organization.
    if (rows.length === 0) return resolvePrincipal({ kind: 'user', id: userId });
    const roles: Role[] = rows.map((row) => ({
      id: row.id,
      name: row.name,
      admin: row.admin,
      environments: row.environment_levels,
      defaultEnvironmentLevels: row.default_levels,
    }));
    return resolvePrincipal({ kind: 'user', id: userId, orgId }, roles);
  }
}
