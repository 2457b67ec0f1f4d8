import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `weft login --sso`: a browser sign-in that ends in an API key for the command line (RFC 8252
 * loopback redirect with PKCE, RFC 7636). One row per login in flight: first pending (the CLI's
 * loopback port, its state and PKCE challenge, ten minutes), then — once the person signed in at
 * the organization's identity provider — holding a one-time code for that person (two minutes,
 * single use). Only digests of the browser's handle and of the code are kept.
 *
 * Not a tenant table (no row-level security): it is read before any session or API key, and so
 * before any organization, exists — like `oidc_login_states`.
 */
export class CliLogins1765600000000 implements MigrationInterface {
  name = 'CliLogins1765600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE cli_logins (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        handle_hash bytea NOT NULL UNIQUE CHECK (length(handle_hash) = 32),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        port integer NOT NULL CHECK (port BETWEEN 1024 AND 65535),
        state text NOT NULL CHECK (state ~ '^[A-Za-z0-9_-]{16,128}$'),
        code_challenge text NOT NULL CHECK (code_challenge ~ '^[A-Za-z0-9_-]{43}$'),
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        code_hash bytea UNIQUE CHECK (length(code_hash) = 32),
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        CONSTRAINT cli_logins_code CHECK ((code_hash IS NULL) = (user_id IS NULL)),
        CONSTRAINT cli_logins_used CHECK (used_at IS NULL OR code_hash IS NOT NULL)
      )`);
    await db.query(`CREATE INDEX cli_logins_expiry_idx ON cli_logins (expires_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE cli_logins`);
  }
}
