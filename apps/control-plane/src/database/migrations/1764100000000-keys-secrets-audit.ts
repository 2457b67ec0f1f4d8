import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-organization data keys (wrapped by the KEK), their rotation jobs, the secrets vault and
 * the audit trail. Every ciphertext column has a key-version column beside it, referencing the
 * org's key row, so "which versions are still in use" is an index lookup and a secret can never
 * name a key version its organization does not have.
 */
export class KeysSecretsAudit1764100000000 implements MigrationInterface {
  name = 'KeysSecretsAudit1764100000000';

  async up(db: QueryRunner): Promise<void> {
    // Lets child tables require that an environment belongs to the row's organization.
    await db.query(
      `ALTER TABLE environments ADD CONSTRAINT environments_id_org_key UNIQUE (id, org_id)`,
    );
    await db.query(`
      CREATE TABLE org_data_keys (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        version integer NOT NULL CHECK (version >= 1),
        state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired')),
        provider text,
        kek_id text,
        wrapped_key text,
        encryptions bigint NOT NULL DEFAULT 0 CHECK (encryptions >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz,
        PRIMARY KEY (org_id, version),
        -- A retired version keeps its row (ciphertexts' foreign keys, history) but not its key.
        CONSTRAINT org_data_keys_material CHECK (
          (state = 'active') = (provider IS NOT NULL AND kek_id IS NOT NULL AND wrapped_key IS NOT NULL)
        ),
        CONSTRAINT org_data_keys_retired_at CHECK ((state = 'retired') = (retired_at IS NOT NULL))
      )`);
    await db.query(
      `CREATE INDEX org_data_keys_kek_idx ON org_data_keys (kek_id) WHERE state = 'active'`,
    );
    await db.query(`
      CREATE TABLE key_rotation_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        target_version integer NOT NULL,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'running', 'completed', 'failed')),
        total integer NOT NULL DEFAULT 0 CHECK (total >= 0),
        processed integer NOT NULL DEFAULT 0 CHECK (processed >= 0),
        retired_versions integer[] NOT NULL DEFAULT '{}',
        attempts integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_expires_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        FOREIGN KEY (org_id, target_version) REFERENCES org_data_keys (org_id, version) ON DELETE CASCADE
      )`);
    // A second rotation while a job is open moves that job's target forward instead.
    await db.query(
      `CREATE UNIQUE INDEX key_rotation_jobs_open_idx ON key_rotation_jobs (org_id)
       WHERE status IN ('pending', 'running')`,
    );
    await db.query(`
      CREATE TABLE secrets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        environment_id uuid NOT NULL,
        name text NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_.-]{0,127}$'),
        kind text NOT NULL CHECK (kind IN ('variable', 'credential')),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
        value_ciphertext text,
        key_version integer,
        -- PostgreSQL regexes allow at most 255 repetitions, hence the separate length bound.
        reference text CHECK (
          length(reference) <= 1030
          AND reference ~ '^(env:[A-Za-z_][A-Za-z0-9_]{0,127}|file:/[^[:space:][:cntrl:]]+)$'
        ),
        revision integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        updated_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (environment_id, name),
        FOREIGN KEY (environment_id, org_id) REFERENCES environments (id, org_id) ON DELETE CASCADE,
        FOREIGN KEY (org_id, key_version) REFERENCES org_data_keys (org_id, version),
        CONSTRAINT secrets_value_version CHECK ((value_ciphertext IS NULL) = (key_version IS NULL)),
        CONSTRAINT secrets_value_or_reference CHECK ((value_ciphertext IS NULL) <> (reference IS NULL)),
        CONSTRAINT secrets_ciphertext_format CHECK (value_ciphertext ~ '^wft1\\.')
      )`);
    await db.query(
      `CREATE INDEX secrets_key_version_idx ON secrets (org_id, key_version, id)
       WHERE key_version IS NOT NULL`,
    );
    await db.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'agent', 'system', 'api_key')),
        actor_id text NOT NULL CHECK (length(actor_id) BETWEEN 1 AND 256),
        action text NOT NULL CHECK (action ~ '^[a-z_]+\\.[a-z_]+$'),
        target_type text NOT NULL,
        target_id text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'succeeded', 'failed')),
        environment_id uuid,
        request_id text,
        ip inet,
        details jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object')
      )`);
    await db.query(
      `CREATE INDEX audit_events_org_time_idx ON audit_events (org_id, occurred_at DESC)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE audit_events`);
    await db.query(`DROP TABLE secrets`);
    await db.query(`DROP TABLE key_rotation_jobs`);
    await db.query(`DROP TABLE org_data_keys`);
    await db.query(`ALTER TABLE environments DROP CONSTRAINT environments_id_org_key`);
  }
}
