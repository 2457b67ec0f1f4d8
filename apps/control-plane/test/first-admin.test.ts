import type { DataSource } from 'typeorm';
import { verifyPassword } from '@weft/crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import {
  BootstrapError,
  bootstrapFirstAdmin,
  type FirstAdminRequest,
} from '../src/bootstrap/first-admin.js';
import { createDataSource } from '../src/database/data-source.js';
import { environmentOwnership } from '../src/infrastructure/environment-ownership.js';
import type { OrgKeys } from '../src/keys/org-keys.js';
import { testOrgKeys } from './support.js';

const request: FirstAdminRequest = {
  organizationName: 'Acme',
  organizationSlug: 'acme',
  adminEmail: 'Admin@Acme.example',
  adminFirstName: 'Ada',
  adminLastName: 'Admin',
};

describe('bootstrapping the first administrator', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let keys: OrgKeys;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource({ url: database.url, poolSize: 4 });
    await dataSource.initialize();
    keys = testOrgKeys(dataSource);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('creates the organization, its three environments, the built-in roles and an admin with a generated password', async () => {
    const result = await bootstrapFirstAdmin(dataSource, keys, request);
    expect(result.organization).toMatchObject({ name: 'Acme', slug: 'acme', created: true });
    expect(result.environments.map((e) => e.name).sort()).toEqual([
      'development',
      'production',
      'test',
    ]);
    expect(result.admin).toMatchObject({ email: 'admin@acme.example', created: true });
    const password = result.admin.generatedPassword!;
    expect(password.length).toBeGreaterThanOrEqual(24);

    const [stored] = (await dataSource.query(
      `SELECT password_hash, email_verified_at FROM users WHERE email = $1`,
      ['admin@acme.example'],
    )) as Array<{ password_hash: string; email_verified_at: Date | null }>;
    expect(stored!.password_hash).toMatch(/^pbkdf2-sha256\$600000\$/);
    expect(stored!.email_verified_at).not.toBeNull();
    expect((await verifyPassword(password, stored!.password_hash)).valid).toBe(true);

    // The organization has its data key from the start, wrapped by the configured KEK.
    const dataKeys = (await dataSource.query(
      `SELECT version, state, provider, kek_id FROM org_data_keys WHERE org_id = $1`,
      [result.organization.id],
    )) as Array<{ version: number; state: string; provider: string; kek_id: string }>;
    expect(dataKeys).toEqual([
      { version: 1, state: 'active', provider: 'local', kek_id: keys.kek.kekId },
    ]);

    const roles = (await dataSource.query(
      `SELECT name, admin FROM roles WHERE org_id = $1 ORDER BY name`,
      [result.organization.id],
    )) as Array<{ name: string; admin: boolean }>;
    expect(roles).toEqual([
      { name: 'Administrator', admin: true },
      { name: 'Developer', admin: false },
      { name: 'Read Only', admin: false },
      { name: 'Support', admin: false },
    ]);
    const memberships = (await dataSource.query(
      `SELECT m.user_id, r.name FROM memberships m JOIN roles r ON r.id = ANY (m.role_ids) WHERE m.org_id = $1`,
      [result.organization.id],
    )) as Array<{ user_id: string; name: string }>;
    expect(memberships).toEqual([{ user_id: result.admin.id, name: 'Administrator' }]);
  });

  it('is idempotent: a second run changes nothing and never resets the password', async () => {
    const [before] = (await dataSource.query(`SELECT password_hash FROM users`)) as Array<{
      password_hash: string;
    }>;
    const again = await bootstrapFirstAdmin(dataSource, keys, {
      ...request,
      adminPassword: 'a-different-password-entirely',
    });
    expect(again.organization.created).toBe(false);
    expect(again.admin.created).toBe(false);
    expect(again.admin.generatedPassword).toBeUndefined();
    const [after] = (await dataSource.query(`SELECT password_hash FROM users`)) as Array<{
      password_hash: string;
    }>;
    expect(after!.password_hash).toBe(before!.password_hash);
    const counts = (await dataSource.query(
      `SELECT (SELECT count(*) FROM organizations)::int AS orgs, (SELECT count(*) FROM environments)::int AS envs,
              (SELECT count(*) FROM roles)::int AS roles, (SELECT count(*) FROM users)::int AS users,
              (SELECT count(*) FROM memberships)::int AS memberships`,
    )) as Array<Record<string, number>>;
    expect(counts[0]).toEqual({ orgs: 1, envs: 3, roles: 4, users: 1, memberships: 1 });
  });

  it('tells the action guard which organization owns an environment', async () => {
    const ownership = environmentOwnership(dataSource);
    const [environment] = (await dataSource.query(
      `SELECT e.id, e.org_id FROM environments e JOIN organizations o ON o.id = e.org_id WHERE o.slug = 'acme' LIMIT 1`,
    )) as Array<{ id: string; org_id: string }>;
    expect(await ownership.organizationOf(environment!.id)).toBe(environment!.org_id);
    expect(await ownership.organizationOf('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await ownership.organizationOf("x' OR '1'='1")).toBeUndefined();
  });

  it('never makes an existing account the administrator of a new organization', async () => {
    await dataSource.query(
      `INSERT INTO users (email, first_name, last_name) VALUES ('squatter@initech.example', 'S', 'Q')`,
    );
    await expect(
      bootstrapFirstAdmin(dataSource, keys, {
        ...request,
        organizationSlug: 'initech',
        organizationName: 'Initech',
        adminEmail: 'squatter@initech.example',
      }),
    ).rejects.toThrow(BootstrapError);
    // One transaction: the refused run left no organization behind.
    const orgs = (await dataSource.query(
      `SELECT 1 FROM organizations WHERE slug = 'initech'`,
    )) as unknown[];
    expect(orgs).toHaveLength(0);
  });

  it('lets concurrent runs race safely', async () => {
    const other = {
      ...request,
      organizationSlug: 'globex',
      organizationName: 'Globex',
      adminEmail: 'root@globex.example',
    };
    const results = await Promise.all([
      bootstrapFirstAdmin(dataSource, keys, other),
      bootstrapFirstAdmin(dataSource, keys, other),
    ]);
    expect(results.filter((r) => r.organization.created)).toHaveLength(1);
    expect(results.filter((r) => r.admin.created)).toHaveLength(1);
    const [{ envs }] = (await dataSource.query(
      `SELECT count(*)::int AS envs FROM environments e JOIN organizations o ON o.id = e.org_id WHERE o.slug = 'globex'`,
    )) as [{ envs: number }];
    expect(envs).toBe(3);
  });

  it('refuses a common or contextual administrator password, naming the setting', async () => {
    for (const adminPassword of ['1QAZ2wsx3edc4rfv', 'admin@refused.example']) {
      await expect(
        bootstrapFirstAdmin(dataSource, keys, {
          ...request,
          organizationSlug: 'refused',
          adminEmail: 'admin@refused.example',
          adminPassword,
        }),
      ).rejects.toThrow(/^WEFT_BOOTSTRAP_ADMIN_PASSWORD is refused: /);
    }
    const orgs = (await dataSource.query(
      `SELECT 1 FROM organizations WHERE slug = 'refused'`,
    )) as unknown[];
    expect(orgs).toEqual([]);
  });
});
