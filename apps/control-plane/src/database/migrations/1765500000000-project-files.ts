import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTable } from './1764200000000-tenant-isolation.js';

export const PROJECT_FILE_TABLES = ['project_files'] as const;

/**
 * The file service: schemas and customizations of an environment. The bytes live in S3, one
 * object per organization and content (`orgs/<org>/files/<sha256>`), encrypted under a random
 * per-object key; each row holds that key wrapped with the organization's data key (a registered
 * encrypted column, so a key rotation re-wraps it and a version in use is never retired).
 */
export class ProjectFiles1765500000000 implements MigrationInterface {
  name = 'ProjectFiles1765500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE project_files (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        environment_id uuid NOT NULL,
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        kind text NOT NULL CHECK (kind IN ('schema', 'customization')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        media_type text NOT NULL CHECK (length(media_type) <= 100),
        size integer NOT NULL CHECK (size > 0 AND size <= 52428800),
        data_key_ciphertext text NOT NULL,
        key_version integer NOT NULL,
        created_by_kind text NOT NULL CHECK (length(created_by_kind) <= 40),
        created_by text NOT NULL CHECK (length(created_by) <= 100),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, environment_id, sha256),
        FOREIGN KEY (environment_id, org_id) REFERENCES environments (id, org_id) ON DELETE CASCADE
      )`);
    // Whether another environment of the organization still uses an object.
    await db.query(`CREATE INDEX project_files_object_idx ON project_files (org_id, sha256)`);
    for (const table of PROJECT_FILE_TABLES) {
      // A file is immutable for requests: uploaded, read, deleted; only the key rotation (as the
      // schema owner) rewrites its wrapped key.
      await isolateTenantTable(db, table, 'SELECT, INSERT, DELETE');
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE project_files`);
  }
}
