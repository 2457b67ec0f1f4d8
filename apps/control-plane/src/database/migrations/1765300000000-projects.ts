import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTable } from './1764200000000-tenant-isolation.js';

export const PROJECT_TABLES = [
  'projects',
  'project_revisions',
  'deployments',
  'project_signing_keys',
] as const;

/**
 * The design repository: projects of an environment with immutable revisions (the whole project
 * document, validated before it is stored), which revision is deployed, and each organization's
 * key for signing exported archives.
 * Environments choose the agent group their runs go to.
 */
export class Projects1765300000000 implements MigrationInterface {
  name = 'Projects1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE projects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        environment_id uuid NOT NULL,
        name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9-]{0,62}$'),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
        latest_revision integer NOT NULL DEFAULT 0,
        deployed_revision integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, environment_id, name),
        UNIQUE (id, org_id),
        FOREIGN KEY (environment_id, org_id) REFERENCES environments (id, org_id) ON DELETE CASCADE
      )`);
    await db.query(`
      CREATE TABLE project_revisions (
        org_id uuid NOT NULL,
        project_id uuid NOT NULL,
        revision integer NOT NULL CHECK (revision >= 1),
        document jsonb NOT NULL,
        digest text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
        source text NOT NULL CHECK (source IN ('push', 'promotion', 'import')),
        promoted_from jsonb,
        created_by_kind text NOT NULL CHECK (length(created_by_kind) <= 40),
        created_by text NOT NULL CHECK (length(created_by) <= 100),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (project_id, revision),
        FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE
      )`);
    // Revisions are immutable: no UPDATE for the tenant role, and a trigger for everyone else.
    await db.query(`
      CREATE FUNCTION weft_project_revisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'project revisions are immutable';
      END $$`);
    await db.query(`
      CREATE TRIGGER project_revisions_immutable BEFORE UPDATE ON project_revisions
        FOR EACH ROW EXECUTE FUNCTION weft_project_revisions_immutable()`);
    await db.query(`
      CREATE TABLE deployments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        environment_id uuid NOT NULL,
        project_id uuid NOT NULL,
        revision integer NOT NULL,
        deployed_by_kind text NOT NULL CHECK (length(deployed_by_kind) <= 40),
        deployed_by text NOT NULL CHECK (length(deployed_by) <= 100),
        deployed_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE,
        FOREIGN KEY (project_id, revision) REFERENCES project_revisions (project_id, revision)
          ON DELETE CASCADE
      )`);
    await db.query(
      `CREATE INDEX deployments_project_idx ON deployments (project_id, deployed_at DESC)`,
    );
    await db.query(`
      CREATE TABLE project_signing_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        public_key text NOT NULL,
        private_key_ciphertext text NOT NULL,
        key_version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
    await db.query(`CREATE INDEX project_signing_keys_org_idx ON project_signing_keys (org_id)`);
    // The agent group an environment's runs go to. Not a foreign key: it may be a cloud group,
    // which belongs to the installation's organization; a run checks the group when submitted.
    await db.query(`ALTER TABLE environments ADD COLUMN run_group_id uuid`);
    for (const table of PROJECT_TABLES) {
      await isolateTenantTable(
        db,
        table,
        table === 'project_revisions' ? 'SELECT, INSERT, DELETE' : 'SELECT, INSERT, UPDATE, DELETE',
      );
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE environments DROP COLUMN run_group_id`);
    await db.query(`DROP TABLE project_signing_keys, deployments, project_revisions, projects`);
    await db.query(`DROP FUNCTION weft_project_revisions_immutable()`);
  }
}
