import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TENANT_ROLE } from './1764200000000-tenant-isolation.js';

const CURRENT_ORG = `NULLIF(current_setting('weft.org_id', true), '')::uuid`;

/**
 * Self-service accounts: profile fields of registration, one-time tokens for email verification
 * and password reset (digests only), invitations into an organization, and the mail outbox.
 * An outbox message's parameters (which carry those tokens) are encrypted under a key of their
 * own wrapped by the KEK, and erased once the message is sent: a database copy taken later
 * holds no usable link.
 */
export class AccountsAndMail1764700000000 implements MigrationInterface {
  name = 'AccountsAndMail1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users
        ADD COLUMN company text CHECK (length(company) <= 200),
        ADD COLUMN address text CHECK (length(address) <= 500),
        ADD COLUMN website text CHECK (length(website) <= 500)`);
    await db.query(`
      CREATE TABLE account_tokens (
        token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
        purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await db.query(`CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose)`);
    await db.query(`
      CREATE TABLE invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        email text NOT NULL CHECK (email = lower(email) AND position('@' in email) > 1),
        role_ids uuid[] NOT NULL CHECK (cardinality(role_ids) <= 20),
        token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        invited_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        accepted_by uuid REFERENCES users(id) ON DELETE SET NULL,
        revoked_at timestamptz
      )`);
    await db.query(`CREATE INDEX invitations_org_idx ON invitations (org_id, created_at DESC)`);
    await db.query(`ALTER TABLE invitations ENABLE ROW LEVEL SECURITY`);
    await db.query(
      `CREATE POLICY tenant_isolation ON invitations TO ${TENANT_ROLE}
       USING (org_id = ${CURRENT_ORG}) WITH CHECK (org_id = ${CURRENT_ORG})`,
    );
    await db.query(`GRANT SELECT, INSERT, UPDATE ON invitations TO ${TENANT_ROLE}`);
    await db.query(`
      CREATE TABLE mail_outbox (
        id uuid PRIMARY KEY,
        recipient text NOT NULL CHECK (length(recipient) <= 320),
        template text NOT NULL,
        provider text,
        kek_id text,
        wrapped_key text,
        -- Sealed under the message's own key (wrapped_key), not an organization's data key.
        params_sealed text,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        failed_at timestamptz,
        last_error text CHECK (length(last_error) <= 500),
        CHECK ((params_sealed IS NULL) = (wrapped_key IS NULL))
      )`);
    await db.query(
      `CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at)
       WHERE sent_at IS NULL AND failed_at IS NULL`,
    );
    // An organization's request may send mail (an invitation) but never read the outbox.
    await db.query(`GRANT INSERT ON mail_outbox TO ${TENANT_ROLE}`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE mail_outbox, invitations, account_tokens`);
    await db.query(
      `ALTER TABLE users DROP COLUMN company, DROP COLUMN address, DROP COLUMN website`,
    );
  }
}
