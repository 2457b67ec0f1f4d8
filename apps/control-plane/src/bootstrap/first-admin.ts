import type { DataSource } from 'typeorm';
import { hashPassword, randomToken } from '@weft/crypto';
import { BUILT_IN_ROLES } from '@weft/rbac';
import { NIST_PASSWORD_POLICY, checkPassword } from '../identity/password-policy.js';
import type { OrgKeys } from '../keys/org-keys.js';

/** Bootstrap refused: the message says which setting to change. Nothing was written. */
export class BootstrapError extends Error {
  override name = 'BootstrapError';
}

export const FIRST_ENVIRONMENTS = [
  { name: 'development', kind: 'development' },
  { name: 'test', kind: 'test' },
  { name: 'production', kind: 'production' },
] as const;

export interface FirstAdminRequest {
  organizationName: string;
  organizationSlug: string;
  adminEmail: string;
  adminFirstName: string;
  adminLastName: string;
  /** Used only when the admin does not exist yet; generated when absent. */
  adminPassword?: string;
}

export interface FirstAdminResult {
  organization: { id: string; name: string; slug: string; created: boolean };
  environments: Array<{ id: string; name: string }>;
  admin: {
    id: string;
    email: string;
    created: boolean;
    /** Only when this call created the admin with a generated password: shown once, never stored. */
    generatedPassword?: string;
  };
}

/**
 * Creates the first organization with its data key, its development/test/production
 * environments, the built-in roles and an administrator. Idempotent: running it again changes nothing that exists — no
 * password reset, no role change. Serialised by an advisory lock so concurrent runs cannot
 * race; one transaction, so a refusal (BootstrapError) leaves nothing half-written.
 */
export async function bootstrapFirstAdmin(
  dataSource: DataSource,
  keys: Pick<OrgKeys, 'createFirstKey'>,
  request: FirstAdminRequest,
): Promise<FirstAdminResult> {
  const email = request.adminEmail.trim().toLowerCase();
  if (request.adminPassword !== undefined) {
    const [problem] = checkPassword(request.adminPassword, NIST_PASSWORD_POLICY, {
      twoFactor: false,
      context: [email, request.adminFirstName, request.adminLastName, 'weft'],
    });
    if (problem !== undefined) {
      throw new BootstrapError(`WEFT_BOOTSTRAP_ADMIN_PASSWORD is refused: ${problem.message}`);
    }
  }
  const generatedPassword = request.adminPassword === undefined ? randomToken(18) : undefined;
  // Hash outside the transaction: it is deliberately slow.
  const passwordHash = await hashPassword(request.adminPassword ?? generatedPassword!);

  return dataSource.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('weft.bootstrap-first-admin'))`);

    const insertedOrg = (await tx.query(
      `INSERT INTO organizations (name, slug) VALUES ($1, $2)
       ON CONFLICT (slug) DO NOTHING RETURNING id`,
      [request.organizationName, request.organizationSlug],
    )) as Array<{ id: string }>;
    const [org] = (await tx.query(`SELECT id, name, slug FROM organizations WHERE slug = $1`, [
      request.organizationSlug,
    ])) as Array<{ id: string; name: string; slug: string }>;
    if (!org) throw new Error('organization vanished during bootstrap');
    // An organization never exists without its data key.
    await keys.createFirstKey(tx, org.id);

    for (const environment of FIRST_ENVIRONMENTS) {
      await tx.query(
        `INSERT INTO environments (org_id, name, kind) VALUES ($1, $2, $3)
         ON CONFLICT (org_id, name) DO NOTHING`,
        [org.id, environment.name, environment.kind],
      );
    }
    const environments = (await tx.query(
      `SELECT id, name FROM environments WHERE org_id = $1 ORDER BY created_at, name`,
      [org.id],
    )) as Array<{ id: string; name: string }>;

    for (const role of Object.values(BUILT_IN_ROLES)) {
      await tx.query(
        `INSERT INTO roles (org_id, name, built_in, admin, default_levels, environment_levels)
         VALUES ($1, $2, true, $3, $4::jsonb, $5::jsonb)
         ON CONFLICT (org_id, name) DO NOTHING`,
        [
          org.id,
          role.name,
          role.admin,
          JSON.stringify(role.defaultEnvironmentLevels ?? []),
          JSON.stringify(role.environments),
        ],
      );
    }
    // The built-in administrator role, by what it is rather than by a name someone can reuse.
    const [adminRole] = (await tx.query(
      `SELECT id FROM roles WHERE org_id = $1 AND built_in AND admin ORDER BY created_at LIMIT 1`,
      [org.id],
    )) as Array<{ id: string }>;
    if (!adminRole) throw new Error('administrator role missing after bootstrap');

    const insertedUser = (await tx.query(
      `INSERT INTO users (email, first_name, last_name, password_hash, email_verified_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (email) DO NOTHING RETURNING id`,
      [email, request.adminFirstName, request.adminLastName, passwordHash],
    )) as Array<{ id: string }>;
    const [user] = (await tx.query(`SELECT id FROM users WHERE email = $1`, [email])) as Array<{
      id: string;
    }>;
    if (!user) throw new Error('admin user vanished during bootstrap');

    const insertedMembership = (await tx.query(
      `INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, ARRAY[$3::uuid])
       ON CONFLICT (org_id, user_id) DO NOTHING RETURNING user_id`,
      [org.id, user.id, adminRole.id],
    )) as Array<{ user_id: string }>;
    // An account that already existed (registered by whoever got there first) never becomes
    // administrator by bootstrap: only one bootstrap itself created, or already a member.
    if (insertedMembership.length > 0 && insertedUser.length === 0) {
      throw new BootstrapError(
        `WEFT_BOOTSTRAP_ADMIN_EMAIL names an existing account that is not a member of "${org.slug}"; ` +
          'bootstrap does not make existing accounts administrators: choose another email',
      );
    }

    const created = insertedUser.length > 0;
    return {
      organization: { ...org, created: insertedOrg.length > 0 },
      environments,
      admin: {
        id: user.id,
        email,
        created,
        ...(created && generatedPassword !== undefined ? { generatedPassword } : {}),
      },
    };
  });
}
