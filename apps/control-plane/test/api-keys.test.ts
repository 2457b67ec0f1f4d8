import { randomBytes } from 'node:crypto';
import { hashPassword } from '@weft/crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import {
  bootstrapOrganizations,
  capturingLogger,
  organization,
  sqlRows,
  startControlPlane,
} from './support.js';

interface Reply {
  status: number;
  body: unknown;
}

describe('API keys over HTTP', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let url: string;
  let acme: FirstAdminResult;
  const password = `pw-${randomBytes(16).toString('base64url')}`;
  const readerPassword = `pw-${randomBytes(16).toString('base64url')}`;
  const roles: Record<string, string> = {};
  const log = capturingLogger();

  async function http(
    method: string,
    path: string,
    auth: { cookie?: string; csrf?: string; bearer?: string },
    body?: unknown,
  ): Promise<Reply> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(auth.cookie ? { cookie: auth.cookie, 'x-csrf-token': auth.csrf ?? '' } : {}),
        ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  async function signIn(email: string, pw: string): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: pw }),
    });
    const body = (await res.json()) as { csrfToken: string };
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('weft_session='))!;
    return { cookie: cookie.split(';')[0]!, csrf: body.csrfToken };
  }

  const sql = (text: string, params: unknown[] = []) => sqlRows(database.url, text, params);

  const keysPath = () => `/api/v1/organizations/${acme.organization.id}/api-keys`;
  const secretsPath = () => `/api/v1/environments/${acme.environments[0]!.id}/secrets`;

  beforeAll(async () => {
    database = await createTestDatabase();
    [acme] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
    ])) as [FirstAdminResult];
    for (const row of await sql(`SELECT id, name FROM roles WHERE org_id = $1`, [
      acme.organization.id,
    ]))
      roles[row.name as string] = row.id as string;
    const [reader] = await sql(
      `INSERT INTO users (email, first_name, last_name, password_hash, email_verified_at)
       VALUES ('reader@acme.example', 'Rea', 'Der', $1, now()) RETURNING id`,
      [await hashPassword(readerPassword)],
    );
    await sql(
      `INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, ARRAY[$3::uuid])`,
      [acme.organization.id, reader!.id, roles['Read Only']],
    );
    server = await startControlPlane(database.url, {}, log.logger);
    url = server.url;
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it('creates a key whose token is shown once and stored only as a hash', async () => {
    const admin = await signIn('admin@acme.example', password);
    const created = await http('POST', keysPath(), admin, {
      name: 'ci',
      roleIds: [roles.Developer],
      expiresInDays: 30,
    });
    expect(created.status).toBe(201);
    const { key, token } = created.body as { key: { id: string; prefix: string }; token: string };
    expect(token).toMatch(new RegExp(`^weft_${key.prefix}_[A-Za-z0-9_-]{43}$`));
    const listed = await http('GET', keysPath(), admin);
    expect(JSON.stringify(listed.body)).not.toContain(token.slice(`weft_${key.prefix}_`.length));
    const stored = JSON.stringify(await sql(`SELECT * FROM api_keys`));
    expect(stored).not.toContain(token.slice(`weft_${key.prefix}_`.length));

    // It works as a bearer token, with the Developer role's access and no CSRF header.
    expect(
      (await http('PUT', `${secretsPath()}/FROM_CI`, { bearer: token }, { value: 'v' })).status,
    ).toBe(200);
    expect((await http('GET', secretsPath(), { bearer: token })).status).toBe(200);
    const [used] = await sql(`SELECT last_used_at FROM api_keys WHERE id = $1`, [key.id]);
    expect(used!.last_used_at).not.toBeNull();
    // It sees its own organization, and only that.
    expect((await http('GET', '/api/v1/organizations', { bearer: token })).body).toEqual({
      organizations: [{ id: acme.organization.id, name: 'acme', slug: 'acme', active: true }],
    });
    // A key cannot mint keys, nor reach admin actions.
    expect(
      (await http('POST', keysPath(), { bearer: token }, { name: 'x', roleIds: [roles.Developer] }))
        .status,
    ).toBe(403);
    expect(
      (await http('GET', `/api/v1/organizations/${acme.organization.id}/keys`, { bearer: token }))
        .status,
    ).toBe(403);

    // Revoked: refused on its next call.
    expect((await http('DELETE', `${keysPath()}/${key.id}`, admin)).status).toBe(204);
    const refused = await http('GET', secretsPath(), { bearer: token });
    expect(refused).toEqual({
      status: 401,
      body: {
        error: { code: 'API_KEY_INVALID', message: 'the API key is unknown, revoked or expired' },
      },
    });
  });

  it('refuses a malformed, unknown or expired token', async () => {
    const admin = await signIn('admin@acme.example', password);
    const { token, key } = (
      await http('POST', keysPath(), admin, { name: 'short', roleIds: [roles['Read Only']] })
    ).body as { token: string; key: { id: string } };
    for (const bad of [
      'nonsense',
      `${token.slice(0, -1)}A`,
      'weft_000000000000_' + 'a'.repeat(43),
    ]) {
      expect((await http('GET', secretsPath(), { bearer: bad })).status).toBe(401);
    }
    await sql(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      key.id,
    ]);
    expect((await http('GET', secretsPath(), { bearer: token })).status).toBe(401);
  });

  it('never carries more than its creator holds, at creation and at each use', async () => {
    const reader = await signIn('reader@acme.example', readerPassword);
    const tooMuch = await http('POST', keysPath(), reader, {
      name: 'mine',
      roleIds: [roles.Developer],
    });
    expect(tooMuch.status).toBe(403);
    expect((tooMuch.body as { error: { code: string } }).error.code).toBe(
      'API_KEY_EXCEEDS_CREATOR',
    );
    const created = await http('POST', keysPath(), reader, {
      name: 'mine',
      roleIds: [roles['Read Only']],
    });
    expect(created.status).toBe(201);
    const { token } = created.body as { token: string };
    expect((await http('GET', secretsPath(), { bearer: token })).status).toBe(200);
    expect(
      (await http('PUT', `${secretsPath()}/NOPE`, { bearer: token }, { value: 'v' })).status,
    ).toBe(403);
    // The reader loses the role: the key loses it too.
    await sql(
      `UPDATE memberships SET role_ids = '{}' WHERE user_id = (SELECT id FROM users WHERE email = 'reader@acme.example')`,
    );
    expect((await http('GET', secretsPath(), { bearer: token })).status).toBe(403);
    // A non-administrator sees only their own keys.
    const mine = (await http('GET', keysPath(), reader)).body as { keys: Array<{ name: string }> };
    expect(mine.keys.map((k) => k.name)).toEqual(['mine']);
  });

  it('refuses bad input with 400 naming the field', async () => {
    const admin = await signIn('admin@acme.example', password);
    for (const [body, field] of [
      [{ name: '', roleIds: [roles.Developer] }, 'name'],
      [{ name: 'x', roleIds: [] }, 'roleIds'],
      [{ name: 'x', roleIds: ['not-a-uuid'] }, 'roleIds'],
      [{ name: 'x', roleIds: [roles.Developer], expiresInDays: 0 }, 'expiresInDays'],
    ] as const) {
      const reply = await http('POST', keysPath(), admin, body);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: { code: 'API_KEY_INVALID', details: { field } } });
    }
    const unknown = await http('POST', keysPath(), admin, {
      name: 'x',
      roleIds: [roles.Developer],
      admin: true,
    });
    expect(unknown.status).toBe(400);
    expect(await sql(`SELECT 1 FROM api_keys WHERE name = 'x'`)).toEqual([]);
  });
});
