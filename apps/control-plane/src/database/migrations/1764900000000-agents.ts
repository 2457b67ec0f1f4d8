import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TENANT_ROLE } from './1764200000000-tenant-isolation.js';

const CURRENT_ORG = `NULLIF(current_setting('weft.org_id', true), '')::uuid`;
export const AGENT_TABLES = [
  'agent_groups',
  'agent_group_environments',
  'agent_enrolment_tokens',
  'agents',
] as const;

/**
 * Private agent groups of an organization, the environments each serves, one-time enrolment
 * tokens (digests only), and the agents enrolled in a group with their Ed25519 public keys: no
 * shared secret is stored for an agent, only what verifies its signatures.
 */
export class Agents1764900000000 implements MigrationInterface {
  name = 'Agents1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE agent_groups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (org_id, name),
        UNIQUE (id, org_id)
      )`);
    await db.query(`
      CREATE TABLE agent_group_environments (
        org_id uuid NOT NULL,
        group_id uuid NOT NULL,
        environment_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, environment_id),
        FOREIGN KEY (group_id, org_id) REFERENCES agent_groups (id, org_id) ON DELETE CASCADE,
        FOREIGN KEY (environment_id, org_id) REFERENCES environments (id, org_id) ON DELETE CASCADE
      )`);
    await db.query(`
      CREATE TABLE agent_enrolment_tokens (
        token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
        org_id uuid NOT NULL,
        group_id uuid NOT NULL,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        FOREIGN KEY (group_id, org_id) REFERENCES agent_groups (id, org_id) ON DELETE CASCADE
      )`);
    await db.query(`
      CREATE TABLE agents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        group_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        public_key text NOT NULL UNIQUE CHECK (length(public_key) <= 200),
        fingerprint text NOT NULL UNIQUE CHECK (length(fingerprint) = 43),
        version text CHECK (length(version) <= 50),
        host text CHECK (length(host) <= 255),
        state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled', 'revoked')),
        enrolled_at timestamptz NOT NULL DEFAULT now(),
        last_heartbeat_at timestamptz,
        busy boolean NOT NULL DEFAULT false,
        revoked_at timestamptz,
        FOREIGN KEY (group_id, org_id) REFERENCES agent_groups (id, org_id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX agents_group_idx ON agents (group_id)`);
    for (const table of AGENT_TABLES) {
      await db.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await db.query(
        `CREATE POLICY tenant_isolation ON ${table} TO ${TENANT_ROLE}
         USING (org_id = ${CURRENT_ORG}) WITH CHECK (org_id = ${CURRENT_ORG})`,
      );
      await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${TENANT_ROLE}`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `DROP TABLE agents, agent_enrolment_tokens, agent_group_environments, agent_groups`,
    );
  }
}
