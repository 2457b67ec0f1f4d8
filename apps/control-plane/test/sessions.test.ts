import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import type { ControlPlane } from '../src/control-plane.js';
import {
  bootstrapOrganizations,
  capturingLogger,
  leakingLines,
  organization,
  sqlRows,
  startControlPlane,
} from './support.js';

interface Reply {
  status: number;
  body: unknown;
  cookies: string[];
}

describe('sign-in, sessions, CSRF, lockout and throttling over HTTP', () => {
  let database: TestDatabase;
  let controlPlane: ControlPlane;
  let stop: () => Promise<void>;
  let url: string;
  let admin: FirstAdminResult;
  const password = `pw-${randomBytes(16).toString('base64url')}`;
  const log = capturingLogger();

  async function http(
    method: string,
    path: string,
    options: { body?: unknown; cookie?: string; csrf?: string } = {},
  ): Promise<Reply> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(options.cookie ? { cookie: options.cookie } : {}),
        ...(options.csrf ? { 'x-csrf-token': options.csrf } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      cookies: res.headers.getSetCookie(),
    };
  }

  async function signIn(email: string, pw: string) {
    const reply = await http('POST', '/api/v1/auth/login', { body: { email, password: pw } });
    const session = reply.cookies.find((c) => c.startsWith('weft_session='));
    return {
      reply,
      cookie: session?.split(';')[0] ?? '',
      csrf: (reply.body as { csrfToken?: string } | undefined)?.csrfToken ?? '',
    };
  }

  const sql = (text: string, params: unknown[] = []) => sqlRows(database.url, text, params);

  beforeAll(async () => {
    database = await createTestDatabase();
    [admin] = (await bootstrapOrganizations(database.url, [
      organization('acme', { organizationName: 'Acme', adminPassword: password }),
    ])) as [FirstAdminResult];
    ({ controlPlane, url, stop } = await startControlPlane(
      database.url,
      {
        WEFT_LOGIN_MAX_FAILURES: '3',
        WEFT_LOGIN_RATE_PER_MINUTE: '20',
        WEFT_TRUSTED_PROXIES: '127.0.0.1, ::1',
      },
      log.logger,
    ));
  });
  afterAll(async () => {
    await stop();
    await database.drop();
  });

  it('signs in: an HttpOnly, SameSite=Strict session cookie and a CSRF token', async () => {
    const { reply, cookie, csrf } = await signIn('Admin@Acme.example', password);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      userId: admin.admin.id,
      organizationId: admin.organization.id,
    });
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const session = reply.cookies.find((c) => c.startsWith('weft_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    const me = await http('GET', '/api/v1/auth/session', { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      principal: { kind: 'user', id: admin.admin.id, orgId: admin.organization.id, admin: true },
    });
    // The database keeps hashes only: the cookie's token appears nowhere.
    const token = cookie.split('=')[1]!;
    expect(JSON.stringify(await sql(`SELECT * FROM sessions`))).not.toContain(token);
  });

  it('needs the CSRF token for a cookie-authenticated write', async () => {
    const { cookie, csrf } = await signIn('admin@acme.example', password);
    const environment = admin.environments[0]!.id;
    const path = `/api/v1/environments/${environment}/secrets/API_TOKEN`;
    const body = { value: 'not-a-real-token' };
    const missing = await http('PUT', path, { body, cookie });
    expect(missing.status).toBe(403);
    expect((missing.body as { error: { code: string } }).error.code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await http('PUT', path, { body, cookie, csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    const right = await http('PUT', path, { body, cookie, csrf });
    expect(right.status).toBe(200);
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const wrong = await signIn('admin@acme.example', 'not-the-password-at-all');
    const unknown = await signIn('nobody@acme.example', 'not-the-password-at-all');
    expect(wrong.reply.status).toBe(401);
    expect(unknown.reply).toEqual(wrong.reply);
    expect(wrong.reply.body).toEqual({
      error: {
        code: 'INVALID_CREDENTIALS',
        message: 'email or password is wrong, or the account is temporarily locked',
      },
    });
  });

  it('locks the account after repeated failures; then even the right password is refused', async () => {
    await controlPlane.dependencies.passwordLogin.settled();
    await sql(`UPDATE users SET failed_logins = 0, locked_until = NULL`);
    for (let i = 0; i < 3; i += 1) await signIn('admin@acme.example', `wrong-${i}-password`);
    await controlPlane.dependencies.passwordLogin.settled();
    const locked = await signIn('admin@acme.example', password);
    expect(locked.reply.status).toBe(401);
    expect(locked.cookie).toBe('');
    await controlPlane.dependencies.passwordLogin.settled();
    const reasons = (await sql(
      `SELECT outcome, details->>'reason' AS reason FROM audit_events
       WHERE action = 'session.create' ORDER BY seq DESC LIMIT 2`,
    )) as Array<{ outcome: string; reason: string }>;
    expect(reasons).toEqual([
      { outcome: 'failed', reason: 'locked' },
      { outcome: 'failed', reason: 'wrong-password' },
    ]);
    await sql(`UPDATE users SET locked_until = now() - interval '1 second'`);
    expect((await signIn('admin@acme.example', password)).reply.status).toBe(200);
  });

  it('ends a session on sign-out, when idle too long, and at its absolute limit', async () => {
    const first = await signIn('admin@acme.example', password);
    expect(
      (await http('POST', '/api/v1/auth/logout', { cookie: first.cookie, csrf: first.csrf }))
        .status,
    ).toBe(204);
    expect((await http('GET', '/api/v1/auth/session', { cookie: first.cookie })).status).toBe(401);

    const idle = await signIn('admin@acme.example', password);
    await sql(`UPDATE sessions SET last_seen_at = now() - interval '31 minutes'
               WHERE revoked_at IS NULL`);
    expect((await http('GET', '/api/v1/auth/session', { cookie: idle.cookie })).status).toBe(401);

    const old = await signIn('admin@acme.example', password);
    await sql(`UPDATE sessions SET absolute_expires_at = now() - interval '1 second'
               WHERE revoked_at IS NULL`);
    expect((await http('GET', '/api/v1/auth/session', { cookie: old.cookie })).status).toBe(401);

    const a = await signIn('admin@acme.example', password);
    const b = await signIn('admin@acme.example', password);
    const ended = await controlPlane.dependencies.sessions.revokeAllOf(
      admin.admin.id,
      'password-changed',
    );
    expect(ended).toBeGreaterThanOrEqual(2);
    for (const s of [a, b]) {
      expect((await http('GET', '/api/v1/auth/session', { cookie: s.cookie })).status).toBe(401);
    }
  });

  it('lists the organizations of the person and switches the session between them', async () => {
    const [globex] = (await sql(
      `INSERT INTO organizations (name, slug) VALUES ('Globex', 'globex') RETURNING id`,
    )) as Array<{ id: string }>;
    const [stranger] = (await sql(
      `INSERT INTO organizations (name, slug) VALUES ('Initech', 'initech') RETURNING id`,
    )) as Array<{ id: string }>;
    await sql(`INSERT INTO memberships (org_id, user_id) VALUES ($1, $2)`, [
      globex!.id,
      admin.admin.id,
    ]);
    const { cookie, csrf } = await signIn('admin@acme.example', password);
    const listed = await http('GET', '/api/v1/organizations', { cookie });
    expect(listed.body).toEqual({
      organizations: [
        { id: admin.organization.id, name: 'Acme', slug: 'acme', active: true },
        { id: globex!.id, name: 'Globex', slug: 'globex', active: false },
      ],
    });
    const switched = await http('POST', '/api/v1/auth/session/organization', {
      cookie,
      csrf,
      body: { organizationId: globex!.id },
    });
    expect(switched).toMatchObject({ status: 200, body: { organizationId: globex!.id } });
    const me = await http('GET', '/api/v1/auth/session', { cookie });
    // A member of Globex with no roles there: no admin, no access levels.
    expect(me.body).toMatchObject({ principal: { orgId: globex!.id, admin: false } });
    for (const organizationId of [stranger!.id, '00000000-0000-4000-8000-000000000000']) {
      const refused = await http('POST', '/api/v1/auth/session/organization', {
        cookie,
        csrf,
        body: { organizationId },
      });
      expect(refused.body).toEqual({
        error: { code: 'NOT_A_MEMBER', message: 'you are not a member of that organization' },
      });
    }
  });

  it('refuses malformed sign-in bodies with 400 VALIDATION_FAILED naming the field', async () => {
    for (const [body, field] of [
      [{}, 'email'],
      [{ email: 'a@b.c' }, 'password'],
      [{ email: 'x'.repeat(400), password: 'p' }, 'email'],
      [{ email: 42, password: 'p' }, 'email'],
      [{ email: 'a@b.c', password: 'p', admin: true }, 'admin'],
    ] as const) {
      const reply = await http('POST', '/api/v1/auth/login', { body });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({
        error: { code: 'VALIDATION_FAILED', details: { field } },
      });
    }
    const unknown = await http('POST', '/api/v1/auth/login', {
      body: { email: 'a@b.c', password: 'p', admin: true },
    });
    expect((unknown.body as { error: { message: string } }).error.message).toBe(
      'unknown field "admin"',
    );
  });

  it('throttles sign-in attempts per client address (as forwarded by a trusted proxy)', async () => {
    const attempt = (client: string) =>
      fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ email: 'nobody@acme.example', password: 'x' }),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as unknown }));
    let limited: { status: number; body: unknown } | undefined;
    for (let i = 0; i < 25 && limited === undefined; i += 1) {
      const reply = await attempt('198.51.100.7');
      if (reply.status === 429) limited = reply;
    }
    // Another client behind the same proxy is not throttled with it.
    expect((await attempt('198.51.100.8')).status).toBe(401);
    expect(limited?.body).toEqual({
      error: {
        code: 'RATE_LIMITED',
        message: 'too many sign-in attempts from this address; wait a minute',
      },
    });
  }, 60_000);

  it('answers a failure of authentication itself with the generic JSON 500, no stack trace', async () => {
    const { cookie } = await signIn('admin@acme.example', password);
    await sql(`ALTER TABLE sessions RENAME TO sessions_away`);
    try {
      const res = await fetch(`${url}/api/v1/auth/session`, { headers: { cookie } });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    } finally {
      await sql(`ALTER TABLE sessions_away RENAME TO sessions`);
    }
  });

  it('never logs a password or a session token', async () => {
    expect(log.lines.join('\n')).not.toContain(password);
    expect(leakingLines(log.lines)).toEqual([]);
  });
});
