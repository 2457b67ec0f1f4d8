import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TENANT_ROLE } from './1764200000000-tenant-isolation.js';

/**
 * API keys for scripts and CI: a public key id (`prefix`) and a 256-bit secret of which only the
 * SHA-256 is kept, bound to one organization and to roles its creator held.
 */
export class ApiKeys1764500000000 implements MigrationInterface {
  name = 'ApiKeys1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        prefix text NOT NULL UNIQUE CHECK (prefix ~ '^[a-z0-9]{12}$'),
        secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
        role_ids uuid[] NOT NULL CHECK (cardinality(role_ids) BETWEEN 1 AND 20),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        last_used_ip inet
      )`);
    await db.query(`CREATE INDEX api_keys_org_idx ON api_keys (org_id, created_at DESC)`);
    await db.query(`ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY`);
    await db.query(
      `CREATE POLICY tenant_isolation ON api_keys TO ${TENANT_ROLE}
       USING (org_id = NULLIF(current_setting('weft.org_id', true), '')::uuid)
       WITH CHECK (org_id = NULLIF(current_setting('weft.org_id', true), '')::uuid)`,
    );
    await db.query(`GRANT SELECT, INSERT, UPDATE ON api_keys TO ${TENANT_ROLE}`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE api_keys`);
  }
}
