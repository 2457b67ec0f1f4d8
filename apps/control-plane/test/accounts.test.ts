import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { startTestMailServer, type TestMailServer } from './mail-server.js';
import {
  apiClient,
  bootstrapOrganizations,
  capturingLogger,
  leakingLines,
  organization,
  sqlRows,
  startControlPlane,
  type Credentials,
} from './support.js';

describe('accounts: registration, email verification, password reset and change, invitations', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let mail: TestMailServer;
  let api: ReturnType<typeof apiClient>;
  let acme: FirstAdminResult;
  let admin: Credentials;
  const adminPassword = `pw-${randomBytes(16).toString('base64url')}`;
  const password = `correct horse ${randomBytes(8).toString('hex')}`;
  const log = capturingLogger();
  const sql = (text: string, params: unknown[] = []) => sqlRows(database.url, text, params);
  const deliver = () => server.controlPlane.dependencies.mail.deliverDue();
  const registration = (email: string, pw = password) => ({
    email,
    password: pw,
    firstName: 'Nora',
    lastName: 'Newcomer',
    company: 'Initech',
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    [acme] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword }),
    ])) as [FirstAdminResult];
    mail = await startTestMailServer();
    server = await startControlPlane(
      database.url,
      {
        WEFT_SMTP_URL: mail.url,
        WEFT_PUBLIC_URL: 'https://weft.example.com',
        WEFT_LOGIN_RATE_PER_MINUTE: '500',
      },
      log.logger,
    );
    api = apiClient(server.url);
    admin = await api.signIn('admin@acme.example', adminPassword);
  });
  afterAll(async () => {
    await server.stop();
    await mail.close();
    await database.drop();
  });

  it('registers, mails a one-time link, and signs in only once the email is confirmed', async () => {
    const reply = await api.http(
      'POST',
      '/api/v1/auth/register',
      {},
      registration('nora@initech.example'),
    );
    expect(reply.status).toBe(202);
    await deliver();
    const token = mail.tokenFor('nora@initech.example', 'https://weft.example.com/verify-email');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const early = await api.signIn('nora@initech.example', password);
    expect(early.reply.status).toBe(403);
    expect(early.reply.body).toMatchObject({ error: { code: 'EMAIL_NOT_VERIFIED' } });
    // The wrong password still gets the answer every failed sign-in gets.
    expect(
      (await api.signIn('nora@initech.example', 'wrong password here!')).reply.body,
    ).toMatchObject({
      error: { code: 'INVALID_CREDENTIALS' },
    });

    expect((await api.http('POST', '/api/v1/auth/verify-email', {}, { token })).status).toBe(204);
    const reused = await api.http('POST', '/api/v1/auth/verify-email', {}, { token });
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({ error: { code: 'TOKEN_INVALID' } });
    const signedIn = await api.signIn('nora@initech.example', password);
    expect(signedIn.reply.status).toBe(200);
    expect(signedIn.reply.body).toMatchObject({ organizationId: null });
    const [user] = await sql(
      `SELECT company, email_verified_at IS NOT NULL AS verified FROM users WHERE email = $1`,
      ['nora@initech.example'],
    );
    expect(user).toEqual({ company: 'Initech', verified: true });

    // What is stored: digests of tokens, and no mail parameters once sent.
    const stored = JSON.stringify([
      await sql(`SELECT * FROM account_tokens`),
      await sql(`SELECT * FROM mail_outbox`),
    ]);
    expect(stored).not.toContain(token);
    expect(
      await sql(`SELECT count(*)::int AS n FROM mail_outbox WHERE params_sealed IS NOT NULL`),
    ).toEqual([{ n: 0 }]);
  });

  it('answers a registration of a known address exactly like a new one, and tells the owner by mail', async () => {
    const before = mail.received.length;
    const again = await api.http(
      'POST',
      '/api/v1/auth/register',
      {},
      registration('nora@initech.example'),
    );
    const fresh = await api.http(
      'POST',
      '/api/v1/auth/register',
      {},
      registration('olaf@initech.example'),
    );
    expect(again.status).toBe(fresh.status);
    expect(again.body).toEqual(fresh.body);
    await deliver();
    const sent = mail.received.slice(before);
    expect(sent.find((m) => m.to.includes('nora@initech.example'))?.subject).toMatch(
      /tried to register/,
    );
    expect(sent.find((m) => m.to.includes('olaf@initech.example'))?.subject).toMatch(
      /Confirm your email/,
    );
    expect(
      await sql(`SELECT count(*)::int AS n FROM users WHERE email = 'nora@initech.example'`),
    ).toEqual([{ n: 1 }]);
  });

  it('refuses bad registrations with a clear reason, writing nothing', async () => {
    const weak = await api.http(
      'POST',
      '/api/v1/auth/register',
      {},
      registration('weak@initech.example', 'short'),
    );
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({
      error: { code: 'PASSWORD_TOO_SHORT', details: { field: 'password' } },
    });
    const common = await api.http(
      'POST',
      '/api/v1/auth/register',
      {},
      registration('weak@initech.example', 'passwordpassword'),
    );
    expect(common.body).toMatchObject({ error: { code: 'PASSWORD_COMMON' } });
    const badEmail = await api.http(
      'POST',
      '/api/v1/auth/register',
      {},
      registration('not-an-email'),
    );
    expect(badEmail.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'email' } },
    });
    const extra = await api.http(
      'POST',
      '/api/v1/auth/register',
      {},
      {
        ...registration('extra@initech.example'),
        admin: true,
      },
    );
    expect(extra.status).toBe(400);
    const injected = await api.http(
      'POST',
      '/api/v1/auth/register',
      {},
      {
        ...registration('inject@initech.example'),
        firstName: 'Eve\r\nBcc: everyone@example.com',
      },
    );
    expect(injected.body).toMatchObject({ error: { details: { field: 'firstName' } } });
    expect(
      await sql(
        `SELECT email FROM users WHERE email IN ('weak@initech.example', 'extra@initech.example', 'inject@initech.example')`,
      ),
    ).toEqual([]);
  });

  it('resets a forgotten password by mail: one live link, one use, every session ended', async () => {
    const session = await api.signIn('nora@initech.example', password);
    const before = mail.received.length;
    const unknown = await api.http(
      'POST',
      '/api/v1/auth/password-reset',
      {},
      { email: 'nobody@initech.example' },
    );
    const known = await api.http(
      'POST',
      '/api/v1/auth/password-reset',
      {},
      { email: 'Nora@Initech.example' },
    );
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    await api.http('POST', '/api/v1/auth/password-reset', {}, { email: 'nora@initech.example' });
    await deliver();
    expect(mail.received.slice(before).every((m) => m.to.includes('nora@initech.example'))).toBe(
      true,
    );
    const links = mail.received
      .slice(before)
      .map((m) => /reset-password\?token=([A-Za-z0-9_-]+)/.exec(m.text)?.[1]);
    expect(links).toHaveLength(2);
    const [first, latest] = links as [string, string];
    const newPassword = `battery staple ${randomBytes(8).toString('hex')}`;
    // Asking again replaced the first link.
    const stale = await api.http(
      'POST',
      '/api/v1/auth/password-reset/complete',
      {},
      { token: first, password: newPassword },
    );
    expect(stale.body).toMatchObject({ error: { code: 'TOKEN_INVALID' } });
    // A refused password leaves the link usable.
    const weak = await api.http(
      'POST',
      '/api/v1/auth/password-reset/complete',
      {},
      { token: latest, password: 'short' },
    );
    expect(weak.body).toMatchObject({ error: { code: 'PASSWORD_TOO_SHORT' } });
    const done = await api.http(
      'POST',
      '/api/v1/auth/password-reset/complete',
      {},
      { token: latest, password: newPassword },
    );
    expect(done.status).toBe(204);
    expect((await api.http('GET', '/api/v1/auth/session', session)).status).toBe(401);
    expect((await api.signIn('nora@initech.example', password)).reply.status).toBe(401);
    expect((await api.signIn('nora@initech.example', newPassword)).reply.status).toBe(200);
    // Change it back for the tests below, through the signed-in change.
    const current = await api.signIn('nora@initech.example', newPassword);
    const other = await api.signIn('nora@initech.example', newPassword);
    const wrong = await api.http('POST', '/api/v1/auth/password', current, {
      currentPassword: 'not it at all, sorry',
      password,
    });
    expect(wrong.body).toMatchObject({
      error: { code: 'CURRENT_PASSWORD_WRONG', details: { field: 'currentPassword' } },
    });
    const changed = await api.http('POST', '/api/v1/auth/password', current, {
      currentPassword: newPassword,
      password,
    });
    expect(changed.status).toBe(204);
    expect((await api.http('GET', '/api/v1/auth/session', current)).status).toBe(200);
    expect((await api.http('GET', '/api/v1/auth/session', other)).status).toBe(401);
  });

  it('invites by email; only the invited, verified person can accept, once', async () => {
    const invitations = `/api/v1/organizations/${acme.organization.id}/invitations`;
    const [developer] = await sql(`SELECT id FROM roles WHERE org_id = $1 AND name = 'Developer'`, [
      acme.organization.id,
    ]);
    const created = await api.http('POST', invitations, admin, {
      email: 'Nora@Initech.example',
      roleIds: [developer!.id],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'nora@initech.example', status: 'pending' });
    const taken = await api.http('POST', invitations, admin, {
      email: 'admin@acme.example',
      roleIds: [],
    });
    expect(taken.status).toBe(409);
    await deliver();
    const token = mail.tokenFor(
      'nora@initech.example',
      'https://weft.example.com/invitations/accept',
    );
    expect(token).toBeDefined();
    expect(mail.received.at(-1)!.subject).toContain('acme');

    // Someone else, signed in, cannot use Nora's link.
    const olaf = await api.http('POST', '/api/v1/invitations/accept', admin, { token });
    expect(olaf.status).toBe(404);
    const nora = await api.signIn('nora@initech.example', password);
    const accepted = await api.http('POST', '/api/v1/invitations/accept', nora, { token });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ organizationId: acme.organization.id });
    expect((await api.http('POST', '/api/v1/invitations/accept', nora, { token })).status).toBe(
      404,
    );
    const orgs = await api.http('GET', '/api/v1/organizations', nora);
    expect(orgs.body).toMatchObject({ organizations: [{ id: acme.organization.id }] });
    const listed = (await api.http('GET', invitations, admin)).body as Array<{ status: string }>;
    expect(listed[0]).toMatchObject({ status: 'accepted' });

    const second = await api.http('POST', invitations, admin, {
      email: 'olaf@initech.example',
      roleIds: [],
    });
    const id = (second.body as { id: string }).id;
    expect((await api.http('DELETE', `${invitations}/${id}`, admin)).status).toBe(204);
    expect((await api.http('DELETE', `${invitations}/${id}`, admin)).status).toBe(404);
  });

  it('wrote no token or password to the log', () => {
    expect(leakingLines(log.lines)).toEqual([]);
    const text = log.lines.join('\n');
    expect(text).not.toContain(password);
    for (const message of mail.received) {
      const token = /token=([A-Za-z0-9_-]+)/.exec(message.text)?.[1];
      if (token !== undefined) expect(text).not.toContain(token);
    }
  });
});
