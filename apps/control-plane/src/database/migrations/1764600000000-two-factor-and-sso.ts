import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TENANT_ROLE } from './1764200000000-tenant-isolation.js';

const CURRENT_ORG = `NULLIF(current_setting('weft.org_id', true), '')::uuid`;

/**
 * Two-factor authentication (TOTP with recovery codes), the sign-in challenge between the
 * password and the second factor, organization policies that require either, and single
 * sign-on with OpenID Connect per organization.
 *
 * A TOTP secret belongs to a person, not to an organization, so it is not under an org data
 * key: it is a 256-bit key wrapped by the installation's key-encryption key (as data keys are),
 * bound to the user, and re-wrapped by `keys rewrap`. Recovery codes and challenge tokens carry
 * 80 and 256 random bits and are kept as SHA-256 digests only.
 */
export class TwoFactorAndSso1764600000000 implements MigrationInterface {
  name = 'TwoFactorAndSso1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE user_totp (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        provider text NOT NULL,
        kek_id text NOT NULL,
        wrapped_secret text NOT NULL,
        confirmed_at timestamptz,
        last_used_step bigint CHECK (last_used_step >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE user_recovery_codes (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, code_hash)
      )`);
    await db.query(`
      CREATE TABLE sign_in_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        org_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await db.query(`
      ALTER TABLE organizations
        ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false`);
    await db.query(`
      ALTER TABLE sessions
        ADD COLUMN auth_method text NOT NULL DEFAULT 'password'
          CHECK (auth_method IN ('password', 'totp', 'recovery_code', 'oidc')),
        ADD COLUMN sso_org_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        ADD CONSTRAINT sessions_sso_org CHECK ((auth_method = 'oidc') = (sso_org_id IS NOT NULL))`);

    await db.query(`
      CREATE TABLE org_identity_providers (
        org_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        issuer text NOT NULL CHECK (issuer ~ '^https?://' AND length(issuer) <= 500),
        client_id text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 500),
        client_secret_ciphertext text NOT NULL,
        key_version integer NOT NULL,
        jit_role_id uuid,
        enforced boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (org_id, key_version) REFERENCES org_data_keys (org_id, version),
        FOREIGN KEY (jit_role_id) REFERENCES roles(id) ON DELETE SET NULL
      )`);
    await db.query(`
      CREATE TABLE user_identities (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        issuer text NOT NULL,
        subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz,
        PRIMARY KEY (issuer, subject)
      )`);
    await db.query(`CREATE INDEX user_identities_user_idx ON user_identities (user_id)`);
    // The state of a sign-in in flight at the identity provider: one use, ten minutes.
    await db.query(`
      CREATE TABLE oidc_login_states (
        handle_hash bytea PRIMARY KEY CHECK (length(handle_hash) = 32),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        state jsonb NOT NULL,
        expires_at timestamptz NOT NULL
      )`);

    await db.query(`ALTER TABLE org_identity_providers ENABLE ROW LEVEL SECURITY`);
    await db.query(
      `CREATE POLICY tenant_isolation ON org_identity_providers TO ${TENANT_ROLE}
       USING (org_id = ${CURRENT_ORG}) WITH CHECK (org_id = ${CURRENT_ORG})`,
    );
    await db.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON org_identity_providers TO ${TENANT_ROLE}`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE oidc_login_states, user_identities, org_identity_providers`);
    await db.query(
      `ALTER TABLE sessions DROP CONSTRAINT sessions_sso_org, DROP COLUMN sso_org_id, DROP COLUMN auth_method`,
    );
    await db.query(`ALTER TABLE organizations DROP COLUMN require_two_factor`);
    await db.query(`DROP TABLE sign_in_challenges, user_recovery_codes, user_totp`);
  }
}
