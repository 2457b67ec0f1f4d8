import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Server-side sessions and the account lockout counters. A session row holds hashes of its
 * cookie token and CSRF token only: a database dump hands nobody a working session.
 */
export class Sessions1764400000000 implements MigrationInterface {
  name = 'Sessions1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users
        ADD COLUMN failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
        ADD COLUMN locked_until timestamptz,
        ADD COLUMN password_changed_at timestamptz`);
    await db.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        csrf_hash bytea NOT NULL CHECK (length(csrf_hash) = 32),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        active_org_id uuid REFERENCES organizations(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        idle_timeout_seconds integer NOT NULL CHECK (idle_timeout_seconds > 0),
        absolute_expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text CHECK (revoked_reason IN
          ('sign-out', 'password-changed', 'revoked', 'expired', 'signed-out-elsewhere')),
        ip inet,
        user_agent text CHECK (length(user_agent) <= 512)
      )`);
    await db.query(`CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE sessions`);
    await db.query(
      `ALTER TABLE users DROP COLUMN failed_logins, DROP COLUMN locked_until, DROP COLUMN password_changed_at`,
    );
  }
}
