import { randomBytes } from 'node:crypto';
import { decodeBase32, generateLocalKek, hashPassword, totpCode } from '@weft/crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { TwoFactor } from '../src/identity/two-factor.js';
import {
  apiClient,
  bootstrapOrganizations,
  capturingLogger,
  leakingLines,
  organization,
  sqlRows,
  startControlPlane,
  TEST_KEK,
  testKeyEncryptionKeys,
  type Credentials,
} from './support.js';

const STEP_MS = 30_000;

describe('two-factor authentication: TOTP enrolment, sign-in, recovery codes, org policy', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let acme: FirstAdminResult;
  let api: ReturnType<typeof apiClient>;
  const password = `pw-${randomBytes(16).toString('base64url')}`;
  const devPassword = `pw-${randomBytes(16).toString('base64url')}`;
  const log = capturingLogger();
  let devId: string;
  let adminSecret: Buffer;
  let recoveryCodes: string[];
  // A code of the next step (accepted within the one-step window) after enrolment used the
  // current one: usable once per secret in a test run, as a real code would be.
  const nextCode = (secret: Buffer) => totpCode(secret, { time: Date.now() + STEP_MS });
  const sql = (text: string, params: unknown[] = []) => sqlRows(database.url, text, params);
  const policiesPath = () => `/api/v1/organizations/${acme.organization.id}/policies`;

  async function enrol(session: Credentials): Promise<{ secret: Buffer; codes: string[] }> {
    const started = await api.http('POST', '/api/v1/auth/two-factor/totp', session);
    expect(started.status).toBe(201);
    const { secret, uri } = started.body as { secret: string; uri: string };
    expect(uri).toMatch(/^otpauth:\/\/totp\/Weft:/);
    const key = decodeBase32(secret);
    const confirmed = await api.http('POST', '/api/v1/auth/two-factor/totp/confirm', session, {
      code: totpCode(key),
    });
    expect(confirmed.status).toBe(200);
    return { secret: key, codes: (confirmed.body as { recoveryCodes: string[] }).recoveryCodes };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    [acme] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
    ])) as [FirstAdminResult];
    const [dev] = await sql(
      `INSERT INTO users (email, first_name, last_name, password_hash, email_verified_at)
       VALUES ('dev@acme.example', 'De', 'Veloper', $1, now()) RETURNING id`,
      [await hashPassword(devPassword)],
    );
    devId = dev!.id as string;
    await sql(
      `INSERT INTO memberships (org_id, user_id, role_ids)
       SELECT $1, $2, ARRAY[id] FROM roles WHERE org_id = $1 AND name = 'Developer'`,
      [acme.organization.id, devId],
    );
    server = await startControlPlane(
      database.url,
      { WEFT_LOGIN_RATE_PER_MINUTE: '200' },
      log.logger,
    );
    api = apiClient(server.url);
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it('enrols: a secret shown once, in force only after a correct first code', async () => {
    const session = await api.signIn('admin@acme.example', password);
    const started = await api.http('POST', '/api/v1/auth/two-factor/totp', session);
    const key = decodeBase32((started.body as { secret: string }).secret);
    expect(key).toHaveLength(32);
    const status = await api.http('GET', '/api/v1/auth/two-factor', session);
    expect(status.body).toEqual({ enabled: false, recoveryCodesLeft: 0 });

    const wrong = await api.http('POST', '/api/v1/auth/two-factor/totp/confirm', session, {
      code: totpCode(key) === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: { code: 'TWO_FACTOR_CODE_INVALID' } });
    const malformed = await api.http('POST', '/api/v1/auth/two-factor/totp/confirm', session, {
      code: '12ab56',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'code' } },
    });

    // Restarting enrolment replaces the unconfirmed secret.
    ({ secret: adminSecret, codes: recoveryCodes } = await enrol(session));
    expect(adminSecret.equals(key)).toBe(false);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    expect((await api.http('GET', '/api/v1/auth/two-factor', session)).body).toEqual({
      enabled: true,
      recoveryCodesLeft: 10,
    });
    const again = await api.http('POST', '/api/v1/auth/two-factor/totp', session);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'TWO_FACTOR_ALREADY_ENABLED' } });

    // Neither the secret nor a recovery code is stored readable; the change is audited.
    const stored = JSON.stringify(await sql(`SELECT * FROM user_totp`));
    const codes = JSON.stringify(await sql(`SELECT * FROM user_recovery_codes`));
    for (const text of [stored, codes]) {
      expect(text).not.toContain(adminSecret.toString('hex'));
      expect(text).not.toContain(adminSecret.toString('base64'));
      for (const code of recoveryCodes) expect(text).not.toContain(code.slice(0, 9));
    }
    const audit = await sql(
      `SELECT action, outcome, details FROM audit_events WHERE action = 'two_factor.manage'`,
    );
    expect(audit).toEqual([
      { action: 'two_factor.manage', outcome: 'succeeded', details: { change: 'enabled' } },
    ]);
  });

  it('signs in in two steps: the password yields a challenge, the code a session', async () => {
    const first = await api.signIn('admin@acme.example', password);
    expect(first.reply.status).toBe(200);
    expect(first.reply.body).toMatchObject({ secondFactorRequired: true });
    expect(first.cookie).toBe('');
    const { challengeToken } = first.reply.body as { challengeToken: string };

    const wrong = await api.http(
      'POST',
      '/api/v1/auth/login/second-factor',
      {},
      {
        challengeToken,
        code: '000000',
      },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { code: 'SECOND_FACTOR_INVALID' } });

    const code = nextCode(adminSecret);
    const done = await api.http(
      'POST',
      '/api/v1/auth/login/second-factor',
      {},
      {
        challengeToken,
        code,
      },
    );
    expect(done.status).toBe(200);
    const session = api.sessionOf(done);
    expect(session.cookie).toMatch(/^weft_session=/);
    const me = await api.http('GET', '/api/v1/auth/session', session);
    expect(me.body).toMatchObject({
      principal: { orgId: acme.organization.id, admin: true },
      restriction: null,
    });
    const [row] = await sql(`SELECT auth_method FROM sessions ORDER BY created_at DESC LIMIT 1`);
    expect(row).toEqual({ auth_method: 'totp' });

    // The challenge is used up, and the code cannot be replayed on a fresh challenge.
    const reused = await api.http(
      'POST',
      '/api/v1/auth/login/second-factor',
      {},
      {
        challengeToken,
        code,
      },
    );
    expect(reused.status).toBe(401);
    const second = await api.signIn('admin@acme.example', password);
    const replay = await api.http(
      'POST',
      '/api/v1/auth/login/second-factor',
      {},
      {
        challengeToken: (second.reply.body as { challengeToken: string }).challengeToken,
        code,
      },
    );
    expect(replay.status).toBe(401);
  });

  it('takes each recovery code once', async () => {
    const challenge = async () =>
      ((await api.signIn('admin@acme.example', password)).reply.body as { challengeToken: string })
        .challengeToken;
    const recoveryCode = recoveryCodes[0]!.toLowerCase();
    const used = await api.http(
      'POST',
      '/api/v1/auth/login/second-factor',
      {},
      {
        challengeToken: await challenge(),
        recoveryCode,
      },
    );
    expect(used.status).toBe(200);
    const [row] = await sql(`SELECT auth_method FROM sessions ORDER BY created_at DESC LIMIT 1`);
    expect(row).toEqual({ auth_method: 'recovery_code' });
    const again = await api.http(
      'POST',
      '/api/v1/auth/login/second-factor',
      {},
      {
        challengeToken: await challenge(),
        recoveryCode,
      },
    );
    expect(again.status).toBe(401);
    const both = await api.http(
      'POST',
      '/api/v1/auth/login/second-factor',
      {},
      {
        challengeToken: await challenge(),
        code: '123456',
        recoveryCode: recoveryCodes[1],
      },
    );
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it('gives a challenge five tries, then only a new password sign-in helps', async () => {
    const first = await api.signIn('admin@acme.example', password);
    const { challengeToken } = first.reply.body as { challengeToken: string };
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const wrong = await api.http(
        'POST',
        '/api/v1/auth/login/second-factor',
        {},
        {
          challengeToken,
          code: '000000',
        },
      );
      expect(wrong.status).toBe(401);
    }
    const right = await api.http(
      'POST',
      '/api/v1/auth/login/second-factor',
      {},
      {
        challengeToken,
        code: nextCode(adminSecret),
      },
    );
    expect(right.status).toBe(401);
  });

  it('holds members of an organization that requires two-factor to enrolment until they enrol', async () => {
    const admin = await api.signIn('admin@acme.example', password);
    const adminSession = api.sessionOf(
      await api.http(
        'POST',
        '/api/v1/auth/login/second-factor',
        {},
        {
          challengeToken: (admin.reply.body as { challengeToken: string }).challengeToken,
          recoveryCode: recoveryCodes[2],
        },
      ),
    );
    const invalid = await api.http('PATCH', policiesPath(), adminSession, {
      requireTwoFactor: 'yes',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { field: 'requireTwoFactor' } },
    });

    const dev = await api.signIn('dev@acme.example', devPassword);
    expect((await api.http('GET', policiesPath(), dev)).status).toBe(200);
    // A Developer cannot change the policy; the administrator can.
    expect((await api.http('PATCH', policiesPath(), dev, { requireTwoFactor: true })).status).toBe(
      403,
    );
    const changed = await api.http('PATCH', policiesPath(), adminSession, {
      requireTwoFactor: true,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ requireTwoFactor: true, singleSignOnEnforced: false });

    // The developer's password session now acts in no organization and says why.
    const me = await api.http('GET', '/api/v1/auth/session', dev);
    expect(me.body).toMatchObject({ restriction: 'two_factor_required' });
    expect((me.body as { principal: { orgId?: string } }).principal.orgId).toBeUndefined();
    expect((await api.http('GET', policiesPath(), dev)).status).toBe(403);

    // Enrolling proves the second factor: the same session may act again.
    const { secret } = await enrol(dev);
    expect((await api.http('GET', policiesPath(), dev)).status).toBe(200);
    expect((await api.http('GET', '/api/v1/auth/session', dev)).body).toMatchObject({
      restriction: null,
      principal: { orgId: acme.organization.id },
    });

    // Two-factor cannot be turned off while the organization requires it.
    const refused = await api.http('POST', '/api/v1/auth/two-factor/disable', dev, {
      code: nextCode(secret),
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'TWO_FACTOR_REQUIRED_BY_ORGANIZATION' } });

    await api.http('PATCH', policiesPath(), adminSession, { requireTwoFactor: false });
    const wrong = await api.http('POST', '/api/v1/auth/two-factor/disable', dev, {
      code: '000000',
    });
    expect(wrong.status).toBe(400);
    const off = await api.http('POST', '/api/v1/auth/two-factor/disable', dev, {
      code: nextCode(secret),
    });
    expect(off.status).toBe(204);
    expect((await api.http('GET', '/api/v1/auth/two-factor', dev)).body).toEqual({
      enabled: false,
      recoveryCodesLeft: 0,
    });
    const audit = await sql(
      `SELECT action, actor_id, details FROM audit_events
       WHERE action IN ('two_factor.manage', 'policy.manage') AND outcome = 'succeeded' ORDER BY seq`,
    );
    expect(audit.map((row) => [row.action, row.actor_id, row.details])).toEqual([
      ['two_factor.manage', acme.admin.id, { change: 'enabled' }],
      ['policy.manage', acme.admin.id, { requireTwoFactor: true }],
      ['two_factor.manage', devId, { change: 'enabled' }],
      ['policy.manage', acme.admin.id, { requireTwoFactor: false }],
      ['two_factor.manage', devId, { change: 'disabled' }],
    ]);
  });

  it('renews recovery codes after a second factor; the old ones stop working', async () => {
    const admin = await api.signIn('admin@acme.example', password);
    const session = api.sessionOf(
      await api.http(
        'POST',
        '/api/v1/auth/login/second-factor',
        {},
        {
          challengeToken: (admin.reply.body as { challengeToken: string }).challengeToken,
          recoveryCode: recoveryCodes[3],
        },
      ),
    );
    const renewed = await api.http('POST', '/api/v1/auth/two-factor/recovery-codes', session, {
      recoveryCode: recoveryCodes[4],
    });
    expect(renewed.status).toBe(200);
    const fresh = (renewed.body as { recoveryCodes: string[] }).recoveryCodes;
    expect(fresh).toHaveLength(10);
    const next = await api.signIn('admin@acme.example', password);
    const old = await api.http(
      'POST',
      '/api/v1/auth/login/second-factor',
      {},
      {
        challengeToken: (next.reply.body as { challengeToken: string }).challengeToken,
        recoveryCode: recoveryCodes[5],
      },
    );
    expect(old.status).toBe(401);
    recoveryCodes = fresh;
  });

  it('re-wraps two-factor secrets under a new KEK, and codes still verify', async () => {
    const rotated = testKeyEncryptionKeys(generateLocalKek(), [TEST_KEK]);
    const twoFactor = new TwoFactor(server.controlPlane.dependencies.dataSource, rotated);
    expect(await twoFactor.rewrapAll()).toBe(1);
    expect(await twoFactor.rewrapAll()).toBe(0);
    const [row] = await sql(`SELECT kek_id FROM user_totp`);
    expect(row).toEqual({ kek_id: rotated.kekId });
    // Forget the codes used so far, so that the current one is not a replay.
    await sql(`UPDATE user_totp SET last_used_step = NULL`);
    expect(await twoFactor.verify(acme.admin.id, { code: totpCode(adminSecret) })).toBe(true);
    expect(await twoFactor.verify(acme.admin.id, { code: totpCode(adminSecret) })).toBe(false);
  });

  it('wrote no secret, code or token to the log', () => {
    const planted = [adminSecret.toString('hex'), ...recoveryCodes];
    expect(leakingLines(log.lines)).toEqual([]);
    for (const value of planted) expect(log.lines.join('\n')).not.toContain(value);
  });
});
