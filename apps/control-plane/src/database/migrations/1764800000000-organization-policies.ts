import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Organization policies beyond sign-in: a password policy (NULL: NIST SP 800-63B-4's defaults),
 * an IP allowlist (empty: any address), and how much of what members do the audit trail keeps
 * (security events always; plus every write; plus every read). Previous password hashes are
 * kept as long as some organization's history rule needs them.
 */
export class OrganizationPolicies1764800000000 implements MigrationInterface {
  name = 'OrganizationPolicies1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE organizations
        ADD COLUMN password_policy jsonb,
        ADD COLUMN ip_allowlist cidr[] NOT NULL DEFAULT '{}' CHECK (cardinality(ip_allowlist) <= 100),
        ADD COLUMN audit_level text NOT NULL DEFAULT 'security'
          CHECK (audit_level IN ('security', 'writes', 'reads'))`);
    await db.query(`
      CREATE TABLE password_history (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `CREATE INDEX password_history_user_idx ON password_history (user_id, created_at DESC)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE password_history`);
    await db.query(
      `ALTER TABLE organizations DROP COLUMN password_policy, DROP COLUMN ip_allowlist, DROP COLUMN audit_level`,
    );
  }
}
