import { randomBytes } from 'node:crypto';
import { hashPassword } from '@weft/crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { allowlistOf, allows } from '../src/identity/request-policies.js';
import {
  apiClient,
  bootstrapOrganizations,
  organization,
  sqlRows,
  startControlPlane,
  type Credentials,
} from './support.js';

/** Retries an assertion for up to five seconds (audit records of a request land after its response). */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('organization policies: passwords, IP allowlist, audit level', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let api: ReturnType<typeof apiClient>;
  let acme: FirstAdminResult;
  let admin: Credentials;
  const password = `pw-${randomBytes(16).toString('base64url')}`;
  const memberPassword = `Member-Pass-${randomBytes(8).toString('hex')}!`;
  const second = `Second-Pass-${randomBytes(6).toString('hex')}-9`;
  const sql = (text: string, params: unknown[] = []) => sqlRows(database.url, text, params);
  const policies = () => `/api/v1/organizations/${acme.organization.id}/policies`;

  beforeAll(async () => {
    database = await createTestDatabase();
    [acme] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
    ])) as [FirstAdminResult];
    const [user] = await sql(
      `INSERT INTO users (email, first_name, last_name, password_hash, email_verified_at)
       VALUES ('member@acme.example', 'Mem', 'Ber', $1, now()) RETURNING id`,
      [await hashPassword(memberPassword)],
    );
    await sql(`INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, '{}')`, [
      acme.organization.id,
      user!.id,
    ]);
    server = await startControlPlane(database.url, { WEFT_LOGIN_RATE_PER_MINUTE: '500' });
    api = apiClient(server.url);
    admin = await api.signIn('admin@acme.example', password);
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it('starts from NIST defaults and refuses policies below its floor', async () => {
    const read = await api.http('GET', policies(), admin);
    expect(read.body).toMatchObject({
      passwordPolicyCustom: false,
      passwordPolicy: { minLength: 15, requiredClasses: [], maxAgeDays: null, historySize: 0 },
      ipAllowlist: [],
      auditLevel: 'security',
    });
    const weak = await api.http('PATCH', policies(), admin, { passwordPolicy: { minLength: 6 } });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('minLength') },
    });
    const unknown = await api.http('PATCH', policies(), admin, {
      passwordPolicy: { expiresSoon: 1 },
    });
    expect(unknown.status).toBe(400);
  });

  it("enforces the organization's own rules: classes, history, and maximum age at sign-in", async () => {
    const set = await api.http('PATCH', policies(), admin, {
      passwordPolicy: {
        minLength: 16,
        requiredClasses: ['digit', 'upper'],
        historySize: 2,
        maxAgeDays: 30,
      },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      passwordPolicyCustom: true,
      passwordPolicy: { minLength: 16 },
    });

    const member = await api.signIn('member@acme.example', memberPassword);
    expect(member.reply.status).toBe(200);
    const noDigit = await api.http('POST', '/api/v1/auth/password', member, {
      currentPassword: memberPassword,
      password: 'only-lower-case-letters-here',
    });
    expect(noDigit.body).toMatchObject({ error: { code: 'PASSWORD_MISSING_CLASS' } });
    const reused = await api.http('POST', '/api/v1/auth/password', member, {
      currentPassword: memberPassword,
      password: memberPassword,
    });
    expect(reused.body).toMatchObject({
      error: { code: 'PASSWORD_REUSED', details: { field: 'password' } },
    });
    expect(
      (
        await api.http('POST', '/api/v1/auth/password', member, {
          currentPassword: memberPassword,
          password: second,
        })
      ).status,
    ).toBe(204);
    // The first password is still within the last two.
    const back = await api.http('POST', '/api/v1/auth/password', member, {
      currentPassword: second,
      password: memberPassword,
    });
    expect(back.body).toMatchObject({ error: { code: 'PASSWORD_REUSED' } });
    expect(await sql(`SELECT count(*)::int AS n FROM password_history`)).toEqual([{ n: 1 }]);

    // A password older than thirty days no longer signs in.
    await sql(
      `UPDATE users SET password_changed_at = now() - interval '31 days' WHERE email = 'member@acme.example'`,
    );
    const expired = await api.signIn('member@acme.example', second);
    expect(expired.reply.status).toBe(403);
    expect(expired.reply.body).toMatchObject({ error: { code: 'PASSWORD_EXPIRED' } });
    expect((await api.signIn('member@acme.example', 'not the password')).reply.body).toMatchObject({
      error: { code: 'INVALID_CREDENTIALS' },
    });
    await sql(`UPDATE users SET password_changed_at = now() WHERE email = 'member@acme.example'`);
    await api.http('PATCH', policies(), admin, { passwordPolicy: null });
  });

  it('refuses requests for the organization from outside its IP allowlist', async () => {
    const invalid = await api.http('PATCH', policies(), admin, { ipAllowlist: ['not-an-address'] });
    expect(invalid.status).toBe(400);
    const hostBits = await api.http('PATCH', policies(), admin, { ipAllowlist: ['127.0.0.1/8'] });
    expect(hostBits.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'ipAllowlist' } },
    });
    const lockout = await api.http('PATCH', policies(), admin, { ipAllowlist: ['203.0.113.0/24'] });
    expect(lockout.status).toBe(409);
    expect(lockout.body).toMatchObject({ error: { code: 'IP_ALLOWLIST_EXCLUDES_YOU' } });

    const set = await api.http('PATCH', policies(), admin, {
      ipAllowlist: ['127.0.0.0/8', '::1/128'],
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ ipAllowlist: ['127.0.0.0/8', '::1/128'] });
    expect((await api.http('GET', policies(), admin)).status).toBe(200);
    // From an address outside the list (as a trusted proxy would report it) the same session is refused.
    await sql(`UPDATE organizations SET ip_allowlist = '{203.0.113.0/24}' WHERE id = $1`, [
      acme.organization.id,
    ]);
    server.controlPlane.dependencies.requestPolicies.forget(acme.organization.id);
    const refused = await api.http('GET', policies(), admin);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'IP_NOT_ALLOWED' } });
    await sql(`UPDATE organizations SET ip_allowlist = '{}' WHERE id = $1`, [acme.organization.id]);
    server.controlPlane.dependencies.requestPolicies.forget(acme.organization.id);
    await eventually(async () => {
      const [denied] = await sql(
        `SELECT outcome, details FROM audit_events WHERE outcome = 'denied' ORDER BY seq DESC LIMIT 1`,
      );
      expect(denied).toEqual({ outcome: 'denied', details: { refused: 'ip.allowlist' } });
    });

    const list = allowlistOf(['10.0.0.0/8', '2001:db8::/32']);
    expect(allows(list, '10.1.2.3')).toBe(true);
    expect(allows(list, '::ffff:10.1.2.3')).toBe(true);
    expect(allows(list, '11.0.0.1')).toBe(false);
    expect(allows(list, '2001:db8::5')).toBe(true);
    expect(allows(list, undefined)).toBe(false);
    expect(allows(undefined, '192.0.2.1')).toBe(true);
  });

  it('records writes, then reads, as the audit level asks, and every permission denial', async () => {
    const count = async (action: string) =>
      (
        (await sql(`SELECT count(*)::int AS n FROM audit_events WHERE action = $1`, [
          action,
        ])) as Array<{ n: number }>
      )[0]!.n;
    const member = await api.signIn('member@acme.example', second);
    const environments = `/api/v1/organizations/${acme.organization.id}/environments`;
    expect((await api.http('POST', environments, member, { name: 'x', kind: 'test' })).status).toBe(
      403,
    );
    await eventually(async () => {
      const [denial] = await sql(
        `SELECT action, outcome, target_id FROM audit_events WHERE action = 'environment.manage' AND outcome = 'denied'`,
      );
      expect(denial).toEqual({
        action: 'environment.manage',
        outcome: 'denied',
        target_id: `POST /api/v1/organizations/${acme.organization.id}/environments`,
      });
    });

    const reads = await count('organization.read');
    // At the default level a read is not recorded: the write after it is recorded (at 'writes'),
    // so once that record is there, the read's would be too.
    await api.http('GET', environments, admin);
    await api.http('PATCH', policies(), admin, { auditLevel: 'writes' });
    await api.http('POST', environments, admin, { name: 'audited', kind: 'test' });
    await eventually(async () =>
      expect(await count('environment.manage')).toBeGreaterThanOrEqual(2),
    );
    expect(await count('organization.read')).toBe(reads);
    await api.http('PATCH', policies(), admin, { auditLevel: 'reads' });
    await api.http('GET', environments, admin);
    await eventually(async () => expect(await count('organization.read')).toBe(reads + 1));
  });
});
