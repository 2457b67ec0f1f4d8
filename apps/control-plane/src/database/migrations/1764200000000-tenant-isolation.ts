import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Row-level security, the second wall around tenant data. Requests run their queries as the
 * role `weft_tenant` with `weft.org_id` set for the transaction (see database/tenant.ts); these
 * policies then show and accept only that organization's rows, so a query that forgets its
 * `org_id` filter sees nothing of another organization. The owning role (migrations, and the
 * platform's own jobs: key rotation, backups) is not subject to them.
 */
export const TENANT_ROLE = 'weft_tenant';

/** Tables whose rows belong to one organization, with the column that says which. */
export const TENANT_TABLES: ReadonlyArray<{ table: string; orgColumn: string }> = [
  { table: 'organizations', orgColumn: 'id' },
  { table: 'environments', orgColumn: 'org_id' },
  { table: 'roles', orgColumn: 'org_id' },
  { table: 'memberships', orgColumn: 'org_id' },
  { table: 'org_data_keys', orgColumn: 'org_id' },
  { table: 'key_rotation_jobs', orgColumn: 'org_id' },
  { table: 'secrets', orgColumn: 'org_id' },
  { table: 'audit_events', orgColumn: 'org_id' },
];

// NULL when unset (or empty), so an unscoped transaction matches no row rather than failing.
const CURRENT_ORG = `NULLIF(current_setting('weft.org_id', true), '')::uuid`;

/**
 * Puts a table with an `org_id` column under row-level security for the tenant role (its rows
 * visible and writable only in their organization's transactions) and grants it `privileges`
 * (none: a partition, reached only through its parent). Every tenant table of a later
 * migration, and each activity-log partition, goes through here.
 */
export async function isolateTenantTable(
  db: { query(text: string): Promise<unknown> },
  table: string,
  privileges?: string,
): Promise<void> {
  await db.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await db.query(
    `CREATE POLICY tenant_isolation ON ${table} TO ${TENANT_ROLE}
     USING (org_id = ${CURRENT_ORG}) WITH CHECK (org_id = ${CURRENT_ORG})`,
  );
  if (privileges !== undefined) await db.query(`GRANT ${privileges} ON ${table} TO ${TENANT_ROLE}`);
}

export class TenantIsolation1764200000000 implements MigrationInterface {
  name = 'TenantIsolation1764200000000';

  async up(db: QueryRunner): Promise<void> {
    // The role is cluster-wide: created once (here, when the migrating role may create roles, or
    // by infra/postgres/weft-database.sql), then granted to whoever owns the schema.
    await db.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${TENANT_ROLE}') THEN
          CREATE ROLE ${TENANT_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
        IF NOT pg_has_role(current_user, '${TENANT_ROLE}', 'MEMBER') THEN
          EXECUTE format('GRANT ${TENANT_ROLE} TO %I', current_user);
        END IF;
      END $$`);
    await db.query(`GRANT USAGE ON SCHEMA public TO ${TENANT_ROLE}`);
    for (const { table, orgColumn } of TENANT_TABLES) {
      await db.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await db.query(
        `CREATE POLICY tenant_isolation ON ${table} TO ${TENANT_ROLE}
         USING (${orgColumn} = ${CURRENT_ORG}) WITH CHECK (${orgColumn} = ${CURRENT_ORG})`,
      );
    }
    // What a request may do; the audit trail is append-only to it.
    await db.query(`GRANT SELECT, UPDATE ON organizations TO ${TENANT_ROLE}`);
    await db.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON environments, roles, memberships, secrets TO ${TENANT_ROLE}`,
    );
    await db.query(
      `GRANT SELECT, INSERT, UPDATE ON org_data_keys, key_rotation_jobs TO ${TENANT_ROLE}`,
    );
    await db.query(`GRANT SELECT, INSERT ON audit_events TO ${TENANT_ROLE}`);
    // People are not owned by one organization: a request sees the members of its own.
    await db.query(`ALTER TABLE users ENABLE ROW LEVEL SECURITY`);
    await db.query(
      `CREATE POLICY members_of_current_org ON users TO ${TENANT_ROLE}
       USING (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id))`,
    );
    await db.query(`GRANT SELECT ON users TO ${TENANT_ROLE}`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP POLICY members_of_current_org ON users`);
    await db.query(`ALTER TABLE users DISABLE ROW LEVEL SECURITY`);
    for (const { table } of TENANT_TABLES) {
      await db.query(`DROP POLICY tenant_isolation ON ${table}`);
      await db.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
    await db.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${TENANT_ROLE}`);
    await db.query(`REVOKE USAGE ON SCHEMA public FROM ${TENANT_ROLE}`);
    // The role stays: other databases of the cluster may use it.
  }
}
