import type { S3Client } from '@aws-sdk/client-s3';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import { bootstrapFirstAdmin } from '../src/bootstrap/first-admin.js';
import { createDataSource } from '../src/database/data-source.js';
import {
  ALL_TENANT_TABLES as TENANT_TABLES,
  asOrgId,
  inTenant,
  type OrgId,
} from '../src/database/tenant.js';
import { generateSigningKeyPair } from '@weft/crypto';
import { AgentRegistry } from '../src/agents/agent-registry.js';
import { Runs } from '../src/runs/runs.js';
import { AgentGroupKinds } from '../src/runs/agent-group-kinds.js';
import { Deployments } from '../src/projects/deployments.js';
import { ProjectArchives } from '../src/projects/project-archives.js';
import { Projects } from '../src/projects/projects.js';
import { ApiKeys } from '../src/identity/api-keys.js';
import { SecretsVault } from '../src/vault/secrets-vault.js';
import { ProjectFiles } from '../src/files/project-files.js';
import { testOrgKeys, testS3Client } from './support.js';

/** Tables that are not one organization's (and why). */
const SHARED_TABLES = {
  users: 'people belong to several organizations; a request sees the members of its own',
  schema_migrations: 'the schema version, not tenant data',
  sessions: "a person's sessions span organizations; only the authentication layer reads them",
  user_totp: "a person's second factor, for every organization they belong to",
  user_recovery_codes: "a person's recovery codes, for every organization they belong to",
  user_identities:
    "links a person to an identity provider's subject; read before any organization is known",
  sign_in_challenges:
    'a sign-in between password and second factor: read before the session (and its organization) exists',
  password_history:
    "a person's previous password hashes, checked against every organization's history rule",
  account_tokens: "one-time links of a person's account (email verification, password reset)",
  mail_outbox:
    'messages waiting to be sent; requests may only add to it (an invitation), never read it',
  oidc_login_states:
    'a sign-in in flight at an identity provider: read on the callback, before any session exists',
  cli_logins:
    'a `weft login --sso` in flight: read on the SSO callback and the token exchange, before any session or key exists',
};

async function pgError(work: Promise<unknown>): Promise<{ code?: string }> {
  try {
    await work;
  } catch (error) {
    return error as { code?: string };
  }
  throw new Error('expected the statement to be refused');
}

describe('row-level security between organizations', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let a: OrgId;
  let b: OrgId;
  let bEnvironment: string;
  let s3: S3Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource({ url: database.url, poolSize: 4 });
    await dataSource.initialize();
    const keys = testOrgKeys(dataSource);
    const vault = new SecretsVault(dataSource, keys);
    s3 = testS3Client();
    const files = new ProjectFiles(dataSource, keys, { s3, bucket: 'weft' });
    const orgs: OrgId[] = [];
    for (const slug of ['alpha', 'bravo']) {
      const result = await bootstrapFirstAdmin(dataSource, keys, {
        organizationName: slug,
        organizationSlug: slug,
        adminEmail: `admin@${slug}.example`,
        adminFirstName: 'A',
        adminLastName: 'B',
      });
      const orgId = asOrgId(result.organization.id);
      orgs.push(orgId);
      for (const environment of result.environments) {
        await vault.put(
          orgId,
          environment.id,
          'TOKEN',
          { kind: 'credential', description: slug, value: `${slug}-token` },
          { type: 'user', id: result.admin.id },
        );
      }
      if (slug === 'bravo') bEnvironment = result.environments[0]!.id;
      await keys.rotate(orgId);
      const [role] = (await dataSource.query(`SELECT id FROM roles WHERE org_id = $1 LIMIT 1`, [
        orgId,
      ])) as Array<{ id: string }>;
      await dataSource.transaction(async (tx) => {
        const { ciphertext, keyVersion } = await keys.encrypt(
          tx,
          { orgId, recordType: 'identity_provider', recordId: orgId, field: 'client_secret' },
          `${slug}-client-secret`,
        );
        await tx.query(
          `INSERT INTO org_identity_providers (org_id, issuer, client_id, client_secret_ciphertext, key_version)
           VALUES ($1, $2, 'weft', $3, $4)`,
          [orgId, `https://idp.${slug}.example`, ciphertext, keyVersion],
        );
      });
      const registry = new AgentRegistry(dataSource);
      const group = await registry.bindGroup(orgId, result.environments[0]!.id, `${slug}-agents`, {
        type: 'user',
        id: result.admin.id,
      });
      const { token } = await registry.createEnrolmentToken(
        orgId,
        result.environments[0]!.id,
        group.id,
        { type: 'user', id: result.admin.id },
      );
      await registry.enrol({ token, publicKey: generateSigningKeyPair().publicKey, name: slug });
      await registry.createEnrolmentToken(orgId, result.environments[0]!.id, group.id, {
        type: 'user',
        id: result.admin.id,
      });
      // A run (with its outbox row, which nothing relays here) and an event of its history.
      const { runId } = await new Runs(dataSource).submit(
        orgId,
        {
          environmentId: result.environments[0]!.id,
          groupId: group.id,
          operationId: `${slug}-op`,
          operation: { version: 1 },
        },
        { type: 'user', id: result.admin.id },
      );
      await dataSource.query(
        `INSERT INTO run_events (org_id, run_id, kind, detail) VALUES ($1, $2, 'cancel_requested', 'test')`,
        [orgId, runId],
      );
      await dataSource.query(
        `INSERT INTO activity_details (org_id, run_id, seq, at, level, step, id, text_ciphertext, key_version)
         VALUES ($1, $2, 1, now(), 'info', 'source', gen_random_uuid(), 'wft1.1.AAAA.BBBB', 1)`,
        [orgId, runId],
      );
      // A project pushed and deployed, and the organization's archive signing key (first export).
      // A schema in the file service (its key wrapped under the organization's data key).
      await files.upload(
        orgId,
        result.environments[0]!.id,
        { kind: 'schema', name: `${slug}.schema.json`, bytes: Buffer.from(`{"title":"${slug}"}`) },
        { type: 'user', id: result.admin.id },
      );
      const projects = new Projects(dataSource, files);
      const pushed = await projects.push(
        orgId,
        result.environments[0]!.id,
        { version: 1, name: `${slug}-project` },
        { type: 'user', id: result.admin.id },
      );
      await new Deployments(dataSource, new AgentGroupKinds(dataSource), files).deploy(
        orgId,
        result.environments[0]!.id,
        pushed.project.id,
        1,
        { type: 'user', id: result.admin.id },
      );
      await new ProjectArchives(dataSource, keys, projects, files).export(
        orgId,
        result.environments[0]!.id,
        pushed.project.id,
        1,
        { type: 'user', id: result.admin.id },
      );
      await dataSource.query(
        `INSERT INTO invitations (org_id, email, role_ids, token_hash, expires_at)
         VALUES ($1, $2, '{}', sha256(convert_to($2, 'UTF8')), now() + interval '7 days')`,
        [orgId, `invitee@${slug}.example`],
      );
      await new ApiKeys(dataSource).create(
        orgId,
        { type: 'user', id: result.admin.id },
        { name: `${slug}-ci`, roleIds: [role!.id] },
      );
    }
    [a, b] = orgs as [OrgId, OrgId];
  });
  afterAll(async () => {
    s3.destroy();
    await dataSource.destroy();
    await database.drop();
  });

  it('protects every table that has an organization column, or says why not', async () => {
    const withOrg = (await dataSource.query(
      `SELECT DISTINCT table_name FROM information_schema.columns
       WHERE table_schema = 'public' AND column_name = 'org_id'
         AND table_name NOT IN (SELECT relname FROM pg_class WHERE relispartition)
       ORDER BY table_name`,
    )) as Array<{ table_name: string }>;
    const tenantTables = TENANT_TABLES.map((t) => t.table);
    for (const { table_name: table } of withOrg) {
      if (!Object.hasOwn(SHARED_TABLES, table)) expect(tenantTables).toContain(table);
    }
    const all = (await dataSource.query(
      `SELECT c.relname AS table, c.relrowsecurity AS rls,
              (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
    )) as Array<{ table: string; rls: boolean; policies: number }>;
    for (const table of all) {
      if (Object.hasOwn(SHARED_TABLES, table.table) && table.table !== 'users') continue;
      expect({ table: table.table, rls: table.rls, policies: table.policies > 0 }).toEqual({
        table: table.table,
        rls: true,
        policies: true,
      });
    }
  });

  it("shows org A none of org B's rows in any table, even with no filter at all", async () => {
    for (const { table, orgColumn } of TENANT_TABLES) {
      const [owned] = (await dataSource.query(
        `SELECT count(*)::int AS n FROM ${table} WHERE ${orgColumn} = $1`,
        [a],
      )) as Array<{ n: number }>;
      const [others] = (await dataSource.query(
        `SELECT count(*)::int AS n FROM ${table} WHERE ${orgColumn} = $1`,
        [b],
      )) as Array<{ n: number }>;
      expect({ table, others: others!.n > 0 }).toEqual({ table, others: true });
      const seen = await inTenant(dataSource, a, async (tx) => {
        const [all] = (await tx.query(`SELECT count(*)::int AS n FROM ${table}`)) as Array<{
          n: number;
        }>;
        const [theirs] = (await tx.query(
          `SELECT count(*)::int AS n FROM ${table} WHERE ${orgColumn} = $1`,
          [b],
        )) as Array<{ n: number }>;
        return { table, all: all!.n, theirs: theirs!.n };
      });
      expect(seen).toEqual({ table, all: owned!.n, theirs: 0 });
    }
    const people = await inTenant(dataSource, a, (tx) =>
      tx.query(`SELECT email FROM users ORDER BY email`),
    );
    expect(people).toEqual([{ email: 'admin@alpha.example' }]);
  });

  it("refuses to write org B's rows from org A, and changes only A's with no filter", async () => {
    const insert = pgError(
      inTenant(dataSource, a, (tx) =>
        tx.query(
          `INSERT INTO secrets (org_id, environment_id, name, kind, reference)
           VALUES ($1, $2, 'SMUGGLED', 'variable', 'env:X')`,
          [b, bEnvironment],
        ),
      ),
    );
    expect((await insert).code).toBe('42501');
    const updated = await inTenant(dataSource, a, (tx) =>
      tx.query(`UPDATE secrets SET description = 'touched'`),
    );
    expect((updated as [unknown[], number])[1]).toBe(3);
    const [untouched] = (await dataSource.query(
      `SELECT count(*)::int AS n FROM secrets WHERE org_id = $1 AND description = 'touched'`,
      [b],
    )) as Array<{ n: number }>;
    expect(untouched!.n).toBe(0);
  });

  it('keeps the audit trail append-only for requests', async () => {
    for (const statement of [
      `UPDATE audit_events SET outcome = 'failed'`,
      `DELETE FROM audit_events`,
    ]) {
      expect((await pgError(inTenant(dataSource, a, (tx) => tx.query(statement)))).code).toBe(
        '42501',
      );
    }
  });

  it('shows nothing to a tenant transaction without an organization', async () => {
    const rows = await dataSource.transaction(async (tx) => {
      await tx.query(`SET LOCAL ROLE weft_tenant`);
      return tx.query(`SELECT count(*)::int AS n FROM secrets`);
    });
    expect(rows).toEqual([{ n: 0 }]);
  });
});
