import { randomBytes } from 'node:crypto';
import { hashPassword } from '@weft/crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { checkIssuer } from '../src/identity/sso/identity-providers.js';
import {
  startTestIdentityProvider,
  type ProviderAccount,
  type TestIdentityProvider,
} from './oidc-provider.js';
import {
  apiClient,
  bootstrapOrganizations,
  capturingLogger,
  leakingLines,
  organization,
  sqlRows,
  startControlPlane,
  type Credentials,
  type Reply,
} from './support.js';

/** Reads `name=value` pairs from Set-Cookie headers into a jar (enough for one provider). */
function remember(jar: Map<string, string>, setCookies: string[]): void {
  for (const header of setCookies) {
    const [pair] = header.split(';');
    const index = pair!.indexOf('=');
    const name = pair!.slice(0, index);
    const value = pair!.slice(index + 1);
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) jar.delete(name);
    else jar.set(name, value);
  }
}

const cookieHeader = (jar: Map<string, string>) =>
  [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

describe('single sign-on with OpenID Connect against a real provider', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let idp: TestIdentityProvider;
  let acme: FirstAdminResult;
  let globex: FirstAdminResult;
  let api: ReturnType<typeof apiClient>;
  let admin: Credentials;
  let developerRole: string;
  const password = `pw-${randomBytes(16).toString('base64url')}`;
  const memberPassword = `pw-${randomBytes(16).toString('base64url')}`;
  const log = capturingLogger();
  const sql = (text: string, params: unknown[] = []) => sqlRows(database.url, text, params);
  const ssoPath = () => `/api/v1/organizations/${acme.organization.id}/sso`;

  const person = (name: string, extra: Partial<ProviderAccount> = {}): ProviderAccount => ({
    sub: `sub-${name}-${randomBytes(4).toString('hex')}`,
    email: `${name}@acme.example`,
    emailVerified: true,
    givenName: name,
    familyName: 'Example',
    ...extra,
  });

  /**
   * A browser signing in: Weft redirects to the provider, the provider's login and consent
   * steps redirect back, and the callback sets the session. Returns the callback's reply and
   * the callback URL (to try replaying it).
   */
  async function browserSignIn(
    account: ProviderAccount,
    options: { dropStateCookie?: boolean } = {},
  ): Promise<{ reply: Reply; callbackUrl: string; stateCookie: string }> {
    idp.signInAs(account);
    const start = await fetch(`${server.url}/api/v1/auth/sso/acme`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const stateCookie =
      start.headers
        .getSetCookie()
        .find((c) => c.startsWith('weft_sso_state='))
        ?.split(';')[0] ?? '';
    let location = start.headers.get('location')!;
    expect(location.startsWith(`${idp.issuer}/auth?`)).toBe(true);
    const jar = new Map<string, string>();
    for (let hop = 0; hop < 10 && location.startsWith(idp.issuer); hop += 1) {
      const response = await fetch(location, {
        redirect: 'manual',
        headers: { cookie: cookieHeader(jar) },
      });
      remember(jar, response.headers.getSetCookie());
      expect([302, 303]).toContain(response.status);
      location = new URL(response.headers.get('location')!, location).href;
    }
    expect(location.startsWith(`${server.url}/api/v1/auth/sso/acme/callback?`)).toBe(true);
    const path = location.slice(server.url.length);
    const reply = await api.http(
      'GET',
      path,
      options.dropStateCookie ? {} : { cookie: stateCookie },
    );
    return { reply, callbackUrl: path, stateCookie };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    [acme, globex] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
      organization('globex', { adminPassword: password }),
    ])) as [FirstAdminResult, FirstAdminResult];
    const [role] = await sql(`SELECT id FROM roles WHERE org_id = $1 AND name = 'Developer'`, [
      acme.organization.id,
    ]);
    developerRole = role!.id as string;
    // A member of acme with a password, and a person who belongs to globex only.
    for (const [email, orgId] of [
      ['member@acme.example', acme.organization.id],
      ['outsider@acme.example', globex.organization.id],
    ] as const) {
      const [user] = await sql(
        `INSERT INTO users (email, first_name, last_name, password_hash, email_verified_at)
         VALUES ($1, 'M', 'E', $2, now()) RETURNING id`,
        [email, await hashPassword(memberPassword)],
      );
      await sql(`INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, '{}')`, [
        orgId,
        user!.id,
      ]);
    }
    server = await startControlPlane(
      database.url,
      { WEFT_SSO_ALLOW_LOOPBACK_ISSUERS: 'true', WEFT_LOGIN_RATE_PER_MINUTE: '200' },
      log.logger,
    );
    api = apiClient(server.url);
    idp = await startTestIdentityProvider(`${server.url}/api/v1/auth/sso/acme/callback`);
    admin = await api.signIn('admin@acme.example', password);
  });
  afterAll(async () => {
    await idp.close();
    await server.stop();
    await database.drop();
  });

  it('refuses settings that cannot work, naming what is wrong', async () => {
    const closed = await api.http('PUT', ssoPath(), admin, {
      issuer: 'http://127.0.0.1:9',
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
    });
    expect(closed.status).toBe(400);
    expect(closed.body).toMatchObject({ error: { code: 'SSO_DISCOVERY_FAILED' } });
    const plain = await api.http('PUT', ssoPath(), admin, {
      issuer: 'http://idp.example.com',
      clientId: 'x',
      clientSecret: 'y',
    });
    expect(plain.body).toMatchObject({
      error: { code: 'SSO_SETTINGS_INVALID', message: 'issuer must use https' },
    });
    const noSecret = await api.http('PUT', ssoPath(), admin, {
      issuer: idp.issuer,
      clientId: idp.clientId,
    });
    expect(noSecret.body).toMatchObject({
      error: { code: 'SSO_SETTINGS_INVALID', message: 'clientSecret is required' },
    });
    const badRole = await api.http('PUT', ssoPath(), admin, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      jitRoleId: globex.organization.id,
    });
    expect(badRole.body).toMatchObject({ error: { code: 'SSO_ROLE_UNKNOWN' } });
    expect(await sql(`SELECT * FROM org_identity_providers`)).toEqual([]);
    // Loopback issuers only where the installation allows them.
    expect(() => checkIssuer('http://127.0.0.1:8080', false)).toThrow(/control plane host/);
    expect(() => checkIssuer('https://user:pw@idp.example.com', false)).toThrow(/credentials/);
    expect(checkIssuer('https://idp.example.com/realms/acme', false).hostname).toBe(
      'idp.example.com',
    );
  });

  it('stores the provider with its client secret encrypted, never shown again', async () => {
    const saved = await api.http('PUT', ssoPath(), admin, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      jitRoleId: developerRole,
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      issuer: idp.issuer,
      clientId: idp.clientId,
      jitRoleId: developerRole,
      enforced: false,
    });
    const read = await api.http('GET', ssoPath(), admin);
    expect(JSON.stringify(read.body)).not.toContain(idp.clientSecret);
    const rows = JSON.stringify(await sql(`SELECT * FROM org_identity_providers`));
    expect(rows).not.toContain(idp.clientSecret);
    expect(rows).toMatch(/wft1\./);
    // Other members cannot read or change it.
    const member = await api.signIn('member@acme.example', memberPassword);
    expect((await api.http('GET', ssoPath(), member)).status).toBe(403);
  });

  it('signs a new person in and provisions them into the chosen role', async () => {
    const newcomer = person('newcomer');
    const { reply } = await browserSignIn(newcomer);
    expect(reply.status).toBe(302);
    const session = api.sessionOf(reply);
    expect(session.cookie).toMatch(/^weft_session=/);
    const me = await api.http('GET', '/api/v1/auth/session', session);
    expect(me.body).toMatchObject({
      principal: { kind: 'user', orgId: acme.organization.id, admin: false },
      restriction: null,
    });
    const [user] = await sql(
      `SELECT u.id, u.password_hash, u.first_name, m.role_ids FROM users u
       JOIN memberships m ON m.user_id = u.id WHERE u.email = $1`,
      [newcomer.email],
    );
    expect(user).toMatchObject({
      password_hash: null,
      first_name: 'newcomer',
      role_ids: [developerRole],
    });
    const [row] = await sql(`SELECT auth_method, sso_org_id FROM sessions WHERE user_id = $1`, [
      user!.id,
    ]);
    expect(row).toEqual({ auth_method: 'oidc', sso_org_id: acme.organization.id });

    // The same subject again: the same person, nobody new.
    const again = await browserSignIn(newcomer);
    expect(again.reply.status).toBe(302);
    expect(await sql(`SELECT id FROM users WHERE email = $1`, [newcomer.email])).toHaveLength(1);
    const audit = await sql(
      `SELECT outcome, details FROM audit_events
       WHERE action = 'session.create' AND actor_id = $1 ORDER BY seq`,
      [user!.id],
    );
    expect(audit).toEqual([
      { outcome: 'succeeded', details: { method: 'oidc', provisioned: true } },
      { outcome: 'succeeded', details: { method: 'oidc', provisioned: false } },
    ]);
  });

  it('links an existing member by verified email, and refuses everyone it must not trust', async () => {
    const member = await browserSignIn(person('member'));
    expect(member.reply.status).toBe(302);
    const [linked] = await sql(
      `SELECT u.email FROM user_identities i JOIN users u ON u.id = i.user_id
       WHERE u.email = 'member@acme.example'`,
    );
    expect(linked).toEqual({ email: 'member@acme.example' });

    const unverified = await browserSignIn(person('unverified', { emailVerified: false }));
    expect(unverified.reply.status).toBe(403);
    expect(unverified.reply.body).toMatchObject({
      error: { code: 'SSO_ACCOUNT_REFUSED', message: expect.stringMatching(/did not confirm/) },
    });
    // acme's provider asserting the email of a globex-only person takes over nothing.
    const outsider = await browserSignIn(person('outsider'));
    expect(outsider.reply.status).toBe(403);
    expect(outsider.reply.body).toMatchObject({
      error: { message: expect.stringMatching(/not a member of this organization/) },
    });
    expect(
      await sql(
        `SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE u.email = 'outsider@acme.example' AND m.org_id = $1`,
        [acme.organization.id],
      ),
    ).toEqual([]);
  });

  it('binds the sign-in to the browser that started it and uses its state once', async () => {
    const elsewhere = await browserSignIn(person('elsewhere'), { dropStateCookie: true });
    expect(elsewhere.reply.status).toBe(401);
    expect(elsewhere.reply.body).toMatchObject({ error: { code: 'SSO_FAILED' } });
    expect(api.sessionOf(elsewhere.reply).cookie).toBe('');

    const first = await browserSignIn(person('once'));
    expect(first.reply.status).toBe(302);
    const replay = await api.http('GET', first.callbackUrl, { cookie: first.stateCookie });
    expect(replay.status).toBe(401);
    // Only the sign-in whose callback came from another browser is still in flight.
    expect(await sql(`SELECT count(*)::int AS n FROM oidc_login_states`)).toEqual([{ n: 1 }]);
  });

  it('when enforced, turns password sign-in off for members and pins SSO sessions to their organization', async () => {
    const enforced = await api.http('PUT', ssoPath(), admin, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      enforced: true,
    });
    expect(enforced.status).toBe(200);
    expect(enforced.body).toMatchObject({ enforced: true });
    // The secret was kept: sign-in through the provider still works.
    const sso = await browserSignIn(person('member'));
    expect(sso.reply.status).toBe(302);

    const password = await api.signIn('member@acme.example', memberPassword);
    expect(password.reply.status).toBe(403);
    expect(password.reply.body).toMatchObject({
      error: {
        code: 'SINGLE_SIGN_ON_REQUIRED',
        message: expect.stringContaining('/api/v1/auth/sso/acme'),
      },
    });
    // A wrong password still gets the one answer every failed sign-in gets.
    const wrong = await api.signIn('member@acme.example', 'not-the-password');
    expect(wrong.reply.body).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });

    // The administrator's earlier password session can no longer act in acme.
    const me = await api.http('GET', '/api/v1/auth/session', admin);
    expect(me.body).toMatchObject({ restriction: 'single_sign_on_required' });
    expect((await api.http('GET', ssoPath(), admin)).status).toBe(403);

    // An SSO session cannot move to another organization, even one the person belongs to.
    const [member] = await sql(`SELECT id FROM users WHERE email = 'member@acme.example'`);
    await sql(`INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, '{}')`, [
      globex.organization.id,
      member!.id,
    ]);
    const session = api.sessionOf(sso.reply);
    const moved = await api.http('POST', '/api/v1/auth/session/organization', session, {
      organizationId: globex.organization.id,
    });
    expect(moved.status).toBe(403);
  });

  it('reports a provider that refuses the client as a provider failure, without its details', async () => {
    const adminSso = await browserSignIn(person('admin'));
    const session = api.sessionOf(adminSso.reply);
    const broken = await api.http('PUT', ssoPath(), session, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: 'not-the-client-secret',
    });
    expect(broken.status).toBe(200);
    const failed = await browserSignIn(person('newcomer2'));
    expect(failed.reply.status).toBe(502);
    expect(failed.reply.body).toMatchObject({ error: { code: 'SSO_PROVIDER_FAILED' } });
    const audit = await sql(
      `SELECT details FROM audit_events
       WHERE action = 'policy.manage' AND outcome = 'succeeded' ORDER BY seq`,
    );
    expect(audit.map((row) => (row.details as { sso: string }).sso)).toEqual([
      'configured',
      'changed',
      'changed',
    ]);
  });

  it('wrote no client secret, token or code to the log', () => {
    expect(leakingLines(log.lines)).toEqual([]);
    expect(log.lines.join('\n')).not.toContain(idp.clientSecret);
  });
});
