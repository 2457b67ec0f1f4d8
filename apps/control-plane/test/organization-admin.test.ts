import { randomBytes } from 'node:crypto';
import { hashPassword } from '@weft/crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import {
  apiClient,
  bootstrapOrganizations,
  organization,
  sqlRows,
  startControlPlane,
  type Credentials,
} from './support.js';

interface Role {
  id: string;
  name: string;
  builtIn: boolean;
  admin: boolean;
  defaultLevels: string[];
  environmentLevels: Record<string, string[]>;
}

describe('organization administration: environments, roles, members', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let api: ReturnType<typeof apiClient>;
  let acme: FirstAdminResult;
  let globex: FirstAdminResult;
  let admin: Credentials;
  let member: Credentials;
  let memberId: string;
  const password = `pw-${randomBytes(16).toString('base64url')}`;
  const sql = (text: string, params: unknown[] = []) => sqlRows(database.url, text, params);
  const base = () => `/api/v1/organizations/${acme.organization.id}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    [acme, globex] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
      organization('globex', { adminPassword: password }),
    ])) as [FirstAdminResult, FirstAdminResult];
    const [user] = await sql(
      `INSERT INTO users (email, first_name, last_name, password_hash, email_verified_at)
       VALUES ('member@acme.example', 'Mem', 'Ber', $1, now()) RETURNING id`,
      [await hashPassword(password)],
    );
    memberId = user!.id as string;
    await sql(`INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, '{}')`, [
      acme.organization.id,
      memberId,
    ]);
    server = await startControlPlane(database.url, { WEFT_LOGIN_RATE_PER_MINUTE: '200' });
    api = apiClient(server.url);
    admin = await api.signIn('admin@acme.example', password);
    member = await api.signIn('member@acme.example', password);
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it('creates, renames and deletes environments, refusing duplicates and non-empty ones', async () => {
    const listed = await api.http('GET', `${base()}/environments`, member);
    expect(listed.status).toBe(200);
    expect((listed.body as Array<{ name: string }>).map((e) => e.name).sort()).toEqual(
      acme.environments.map((e) => e.name).sort(),
    );
    const created = await api.http('POST', `${base()}/environments`, admin, {
      name: 'staging',
      kind: 'test',
    });
    expect(created.status).toBe(201);
    const staging = created.body as { id: string; name: string; kind: string };
    expect(staging).toMatchObject({ name: 'staging', kind: 'test' });
    const duplicate = await api.http('POST', `${base()}/environments`, admin, {
      name: 'Staging',
      kind: 'custom',
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({
      error: { code: 'NAME_TAKEN', details: { field: 'name' } },
    });
    const badKind = await api.http('POST', `${base()}/environments`, admin, {
      name: 'qa',
      kind: 'qa',
    });
    expect(badKind.status).toBe(400);
    expect(badKind.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'kind' } },
    });
    expect(
      (await api.http('POST', `${base()}/environments`, member, { name: 'x', kind: 'test' }))
        .status,
    ).toBe(403);

    const renamed = await api.http('PATCH', `${base()}/environments/${staging.id}`, admin, {
      name: 'pre-production',
    });
    expect(renamed.body).toMatchObject({ id: staging.id, name: 'pre-production' });
    await api.http('PUT', `/api/v1/environments/${staging.id}/secrets/TOKEN`, admin, {
      kind: 'credential',
      value: 'not-a-real-token',
    });
    const notEmpty = await api.http('DELETE', `${base()}/environments/${staging.id}`, admin);
    expect(notEmpty.status).toBe(409);
    expect(notEmpty.body).toMatchObject({ error: { code: 'ENVIRONMENT_NOT_EMPTY' } });
    await api.http('DELETE', `/api/v1/environments/${staging.id}/secrets/TOKEN`, admin);
    expect((await api.http('DELETE', `${base()}/environments/${staging.id}`, admin)).status).toBe(
      204,
    );
    expect((await api.http('DELETE', `${base()}/environments/${staging.id}`, admin)).status).toBe(
      404,
    );
    // Another organization's environment is not found, not deleted.
    const foreign = globex.environments[0]!.id;
    expect((await api.http('DELETE', `${base()}/environments/${foreign}`, admin)).status).toBe(404);
    expect(await sql(`SELECT 1 FROM environments WHERE id = $1`, [foreign])).toHaveLength(1);
  });

  it('grants access levels per environment through custom roles, effective at once', async () => {
    const development = acme.environments.find((e) => e.name === 'development')!.id;
    const secrets = `/api/v1/environments/${development}/secrets`;
    expect((await api.http('GET', secrets, member)).status).toBe(403);

    const invalid = await api.http('POST', `${base()}/roles`, admin, {
      name: 'Operators',
      environmentLevels: { [globex.environments[0]!.id]: ['read'] },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    const badLevel = await api.http('POST', `${base()}/roles`, admin, {
      name: 'Operators',
      defaultLevels: ['superuser'],
    });
    expect(badLevel.status).toBe(400);

    const created = await api.http('POST', `${base()}/roles`, admin, {
      name: 'Operators',
      environmentLevels: { [development]: ['execute', 'execute'] },
    });
    expect(created.status).toBe(201);
    const role = created.body as Role;
    expect(role).toMatchObject({
      builtIn: false,
      admin: false,
      environmentLevels: { [development]: ['execute'] },
    });

    const assigned = await api.http('PUT', `${base()}/members/${memberId}/roles`, admin, {
      roleIds: [role.id],
    });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ userId: memberId, roleIds: [role.id], twoFactor: false });
    // Execute implies Read: the same session now lists the environment's secrets.
    expect((await api.http('GET', secrets, member)).status).toBe(200);

    await api.http('PATCH', `${base()}/roles/${role.id}`, admin, { environmentLevels: {} });
    expect((await api.http('GET', secrets, member)).status).toBe(403);

    const roles = (await api.http('GET', `${base()}/roles`, member)).body as Role[];
    const administrator = roles.find((r) => r.builtIn && r.admin)!;
    const renameBuiltIn = await api.http('PATCH', `${base()}/roles/${administrator.id}`, admin, {
      name: 'Boss',
    });
    expect(renameBuiltIn.status).toBe(409);
    expect(renameBuiltIn.body).toMatchObject({ error: { code: 'BUILT_IN_ROLE' } });
    expect((await api.http('DELETE', `${base()}/roles/${administrator.id}`, admin)).status).toBe(
      409,
    );
    const foreignRole = await api.http('PUT', `${base()}/members/${memberId}/roles`, admin, {
      roleIds: [
        (await sql(`SELECT id FROM roles WHERE org_id = $1 LIMIT 1`, [globex.organization.id]))[0]!
          .id,
      ],
    });
    expect(foreignRole.status).toBe(400);

    expect((await api.http('DELETE', `${base()}/roles/${role.id}`, admin)).status).toBe(204);
    const [membership] = await sql(`SELECT role_ids FROM memberships WHERE user_id = $1`, [
      memberId,
    ]);
    expect(membership).toEqual({ role_ids: [] });
  });

  it('never leaves the organization without an administrator', async () => {
    const roles = (await api.http('GET', `${base()}/roles`, admin)).body as Role[];
    const administrator = roles.find((r) => r.builtIn && r.admin)!;
    const developer = roles.find((r) => r.name === 'Developer')!;
    const demoteSelf = await api.http('PUT', `${base()}/members/${acme.admin.id}/roles`, admin, {
      roleIds: [developer.id],
    });
    expect(demoteSelf.status).toBe(409);
    expect(demoteSelf.body).toMatchObject({ error: { code: 'LAST_ADMINISTRATOR' } });
    expect((await api.http('DELETE', `${base()}/members/${acme.admin.id}`, admin)).status).toBe(
      409,
    );

    // With a second administrator, the first may step down.
    await api.http('PUT', `${base()}/members/${memberId}/roles`, admin, {
      roleIds: [administrator.id],
    });
    const stepDown = await api.http('PUT', `${base()}/members/${acme.admin.id}/roles`, admin, {
      roleIds: [developer.id],
    });
    expect(stepDown.status).toBe(200);
    // Two administrators removing each other at the same moment: one of them stays.
    await api.http('PUT', `${base()}/members/${acme.admin.id}/roles`, member, {
      roleIds: [administrator.id],
    });
    const [a, b] = await Promise.all([
      api.http('PUT', `${base()}/members/${memberId}/roles`, admin, { roleIds: [] }),
      api.http('PUT', `${base()}/members/${acme.admin.id}/roles`, member, { roleIds: [] }),
    ]);
    // The loser is refused either by the invariant (409) or, when the winner committed before
    // its request was authorised, because it is no longer an administrator (403).
    const statuses = [a.status, b.status].sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const [{ n }] = (await sql(
      `SELECT count(*)::int AS n FROM memberships m JOIN roles r ON r.id = ANY (m.role_ids)
       WHERE m.org_id = $1 AND r.admin`,
      [acme.organization.id],
    )) as [{ n: number }];
    expect(n).toBe(1);
  });

  it('removes a member: their session stops acting here and their API keys are revoked', async () => {
    const roles = (await api.http('GET', `${base()}/roles`, admin)).body as Role[];
    const administrator = roles.find((r) => r.builtIn && r.admin)!;
    // Whoever won the race above, both are administrators again (set up directly).
    await sql(`UPDATE memberships SET role_ids = $2 WHERE org_id = $1`, [
      acme.organization.id,
      [administrator.id],
    ]);
    const key = await api.http('POST', `${base()}/api-keys`, member, {
      name: 'ci',
      roleIds: [administrator.id],
    });
    expect(key.status).toBe(201);
    const removed = await api.http('DELETE', `${base()}/members/${memberId}`, admin);
    expect(removed.status).toBe(204);
    expect((await api.http('GET', `${base()}/environments`, member)).status).toBe(403);
    const token = (key.body as { token: string }).token;
    expect((await api.http('GET', `${base()}/environments`, { bearer: token })).status).toBe(401);
    const audit = await sql(
      `SELECT action, details FROM audit_events WHERE action IN ('member.manage', 'role.manage', 'environment.manage')
       ORDER BY seq DESC LIMIT 1`,
    );
    expect(audit).toEqual([
      { action: 'member.manage', details: { change: 'removed', apiKeysRevoked: 1 } },
    ]);
  });
});
