import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '@weft/crypto';
import { SOURCE_LOADER_ARGS, createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import {
  startTestIdentityProvider,
  type ProviderAccount,
  type TestIdentityProvider,
} from './oidc-provider.js';
import {
  apiClient,
  bootstrapOrganizations,
  capturingLogger,
  organization,
  sqlRows,
  startControlPlane,
  type Credentials,
} from './support.js';

const cliMain = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'src', 'main.ts');

/** A cookie jar for one site: Set-Cookie headers in, a Cookie header out. */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  take(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  has(name: string): boolean {
    return this.#cookies.has(name);
  }
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** The CLI's side of the login: a verifier, its S256 challenge, a state (as RFC 7636 says). */
function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return {
    verifier,
    challenge: createHash('sha256').update(verifier).digest('base64url'),
    state: randomBytes(16).toString('base64url'),
  };
}

/** What `weft login` listens with: one loopback port that records what the browser brings. */
async function loopbackListener(): Promise<{ port: number; seen: URL[]; close(): Promise<void> }> {
  const seen: URL[] = [];
  const server: Server = createServer((request, response) => {
    seen.push(new URL(request.url ?? '/', 'http://127.0.0.1'));
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('signed in; you can close this tab');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('weft login --sso: browser sign-in that ends in an API key for the CLI', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let idp: TestIdentityProvider;
  let acme: FirstAdminResult;
  let api: ReturnType<typeof apiClient>;
  let developerRole: string;
  const log = capturingLogger();
  const secrets: string[] = [];
  const sql = (text: string, params: unknown[] = []) => sqlRows(database.url, text, params);
  const person = (name: string): ProviderAccount => ({
    sub: `sub-${name}-${randomBytes(4).toString('hex')}`,
    email: `${name}@acme.example`,
    emailVerified: true,
    givenName: name,
    familyName: 'Example',
  });

  /** The browser: from the CLI's start URL through the provider to the control plane's callback. */
  async function browserToCallback(
    account: ProviderAccount,
    startPath: string,
    jar = new CookieJar(),
  ): Promise<{ callback: Response; jar: CookieJar }> {
    idp.signInAs(account);
    // A fresh browser at the provider each time: its own session there would sign in whoever came first.
    const providerCookies = new CookieJar();
    let location = `${server.url}${startPath}`;
    for (let hop = 0; hop < 16; hop += 1) {
      const atControlPlane = location.startsWith(server.url);
      const providerJar = atControlPlane ? jar : providerCookies;
      const response = await fetch(location, {
        redirect: 'manual',
        headers: { cookie: providerJar.header() },
      });
      providerJar.take(response);
      if (atControlPlane && new URL(location).pathname.endsWith('/callback')) {
        return { callback: response, jar };
      }
      expect([302, 303]).toContain(response.status);
      location = new URL(response.headers.get('location')!, location).href;
    }
    throw new Error('the browser never reached the callback');
  }

  /** A whole CLI login up to the code at the loopback listener. */
  async function cliSignIn(account: ProviderAccount) {
    const listener = await loopbackListener();
    try {
      const { verifier, challenge, state } = pkce();
      const start = `/api/v1/auth/cli/sso/acme?port=${listener.port}&state=${state}&challenge=${challenge}`;
      const { callback, jar } = await browserToCallback(account, start);
      expect(callback.status).toBe(302);
      const location = new URL(callback.headers.get('location')!);
      // The browser follows the redirect to the CLI.
      expect((await fetch(location)).status).toBe(200);
      const [delivered] = listener.seen;
      const code = delivered?.searchParams.get('code') ?? '';
      if (code !== '') secrets.push(code);
      return { location, delivered, code, verifier, state, callback, jar };
    } finally {
      await listener.close();
    }
  }

  const exchange = (code: string, verifier: string) =>
    api.http('POST', '/api/v1/auth/cli/token', {}, { code, verifier });

  beforeAll(async () => {
    database = await createTestDatabase();
    const password = `pw-${randomBytes(16).toString('base64url')}`;
    [acme] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
      organization('globex', { adminPassword: password }),
    ])) as [FirstAdminResult, FirstAdminResult];
    const [role] = await sql(`SELECT id FROM roles WHERE org_id = $1 AND name = 'Developer'`, [
      acme.organization.id,
    ]);
    developerRole = role!.id as string;
    // A member of acme without any role.
    const [member] = await sql(
      `INSERT INTO users (email, first_name, last_name, password_hash, email_verified_at)
       VALUES ('roleless@acme.example', 'R', 'L', $1, now()) RETURNING id`,
      [await hashPassword(password)],
    );
    await sql(`INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, '{}')`, [
      acme.organization.id,
      member!.id,
    ]);
    server = await startControlPlane(
      database.url,
      { WEFT_SSO_ALLOW_LOOPBACK_ISSUERS: 'true', WEFT_LOGIN_RATE_PER_MINUTE: '500' },
      log.logger,
    );
    api = apiClient(server.url);
    idp = await startTestIdentityProvider(`${server.url}/api/v1/auth/sso/acme/callback`);
    const admin = await api.signIn('admin@acme.example', password);
    const saved = await api.http(
      'PUT',
      `/api/v1/organizations/${acme.organization.id}/sso`,
      admin,
      {
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        jitRoleId: developerRole,
      },
    );
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    await idp.close();
    await server.stop();
    await database.drop();
  });

  it('delivers a one-time code to 127.0.0.1 only, and trades it once for a key with the person’s roles', async () => {
    const account = person('dev');
    const login = await cliSignIn(account);
    // Only the CLI's loopback listener, with the CLI's own state; no browser session.
    expect(login.location.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(login.location.pathname).toBe('/callback');
    expect(login.delivered?.searchParams.get('state')).toBe(login.state);
    expect(login.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(login.callback.headers.getSetCookie().some((c) => c.startsWith('weft_session='))).toBe(
      false,
    );
    expect(login.jar.has('weft_cli_login')).toBe(false);
    // Only the code's digest is stored.
    expect(JSON.stringify(await sql(`SELECT * FROM cli_logins`))).not.toContain(login.code);

    const traded = await exchange(login.code, login.verifier);
    expect(traded.status).toBe(200);
    const body = traded.body as {
      token: string;
      key: { id: string; name: string; roleIds: string[]; expiresAt: string };
      user: { email: string };
      organization: { id: string; slug: string };
    };
    secrets.push(body.token);
    expect(body).toMatchObject({
      key: { name: 'weft CLI (SSO)', roleIds: [developerRole] },
      user: { email: account.email },
      organization: { id: acme.organization.id, slug: 'acme' },
    });
    const days = (Date.parse(body.key.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    // Once only.
    const again = await exchange(login.code, login.verifier);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: { code: 'CLI_LOGIN_CODE_INVALID' } });

    // The key works as a bearer token, with exactly what the person's own session has.
    const bearer: Credentials = { bearer: body.token };
    const asKey = await api.http('GET', '/api/v1/auth/session', bearer);
    expect(asKey.status).toBe(200);
    const browser = await browserToCallback(account, '/api/v1/auth/sso/acme');
    expect(browser.callback.status).toBe(302);
    const session = await api.http('GET', '/api/v1/auth/session', {
      cookie: browser.callback.headers
        .getSetCookie()
        .find((c) => c.startsWith('weft_session='))!
        .split(';')[0]!,
    });
    const keyPrincipal = (asKey.body as { principal: Record<string, unknown> }).principal;
    const personPrincipal = (session.body as { principal: Record<string, unknown> }).principal;
    expect(keyPrincipal).toMatchObject({ kind: 'api_key', orgId: acme.organization.id });
    expect(keyPrincipal.admin).toBe(false);
    expect(keyPrincipal.environments).toEqual(personPrincipal.environments);
    // And nothing of an administrator's.
    const sso = await api.http('GET', `/api/v1/organizations/${acme.organization.id}/sso`, bearer);
    expect(sso.status).toBe(403);

    const audit = await sql(
      `SELECT action, outcome, details FROM audit_events
       WHERE actor_id = (SELECT id::text FROM users WHERE email = $1) ORDER BY seq`,
      [account.email],
    );
    expect(audit).toEqual(
      expect.arrayContaining([
        {
          action: 'api_key.manage',
          outcome: 'succeeded',
          details: expect.objectContaining({ change: 'created' }),
        },
        {
          action: 'session.create',
          outcome: 'succeeded',
          details: { method: 'oidc-cli', apiKey: body.key.id },
        },
      ]),
    );
  });

  it('refuses a wrong verifier, and the code is spent by that try', async () => {
    const login = await cliSignIn(person('intercepted'));
    const wrong = await exchange(login.code, randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: { code: 'CLI_LOGIN_CODE_INVALID' } });
    const right = await exchange(login.code, login.verifier);
    expect(right.status).toBe(400);
    expect(
      await sql(`SELECT outcome, details FROM audit_events WHERE details->>'method' = 'oidc-cli'
                 AND outcome = 'denied'`),
    ).toEqual([
      { outcome: 'denied', details: { method: 'oidc-cli', reason: 'verifier-mismatch' } },
    ]);
  });

  it('refuses an expired code; an expired pending login ends as a plain browser sign-in', async () => {
    const login = await cliSignIn(person('slow'));
    await sql(
      `UPDATE cli_logins SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`,
    );
    const late = await exchange(login.code, login.verifier);
    expect(late.status).toBe(400);
    expect(late.body).toMatchObject({ error: { code: 'CLI_LOGIN_CODE_INVALID' } });

    // The browser took longer than ten minutes to come back: no code, an ordinary session.
    const listener = await loopbackListener();
    try {
      const { challenge, state } = pkce();
      const start = await fetch(
        `${server.url}/api/v1/auth/cli/sso/acme?port=${listener.port}&state=${state}&challenge=${challenge}`,
        { redirect: 'manual' },
      );
      expect(start.status).toBe(302);
      expect(start.headers.get('location')).toBe('/api/v1/auth/sso/acme');
      const cookie = start.headers.getSetCookie().find((c) => c.startsWith('weft_cli_login='))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Path=\/api\/v1\/auth(;|$)/);
      await sql(
        `UPDATE cli_logins SET expires_at = now() - interval '1 second' WHERE code_hash IS NULL`,
      );
      const jar = new CookieJar();
      jar.take(start);
      const { callback } = await browserToCallback(person('slow'), '/api/v1/auth/sso/acme', jar);
      expect(callback.status).toBe(302);
      expect(callback.headers.get('location')).toBe('/');
      expect(callback.headers.getSetCookie().some((c) => c.startsWith('weft_session='))).toBe(true);
      expect(listener.seen).toEqual([]);
    } finally {
      await listener.close();
    }
  });

  it('refuses a port, state or challenge out of range, and organizations without SSO', async () => {
    const { challenge, state } = pkce();
    const starts = [
      [`port=80&state=${state}&challenge=${challenge}`, 'port'],
      [`port=65536&state=${state}&challenge=${challenge}`, 'port'],
      [`port=http://evil.example&state=${state}&challenge=${challenge}`, 'port'],
      [`port=8080&state=short&challenge=${challenge}`, 'state'],
      [`port=8080&state=${state}&challenge=${challenge.slice(1)}`, 'challenge'],
      [`port=8080&state=${state}&challenge=${challenge}!`, 'challenge'],
      [`port=8080&state=${state}`, 'challenge'],
      [`port=8080&state=${state}&challenge=${challenge}&redirect=https://evil.example`, 'redirect'],
    ] as const;
    for (const [query, field] of starts) {
      const reply = await api.http('GET', `/api/v1/auth/cli/sso/acme?${query}`);
      expect({ query, status: reply.status, body: reply.body }).toMatchObject({
        query,
        status: 400,
        body: { error: { code: 'VALIDATION_FAILED', details: { field } } },
      });
    }
    for (const slug of ['globex', 'no-such-org', 'Not_A_Slug']) {
      const reply = await api.http(
        'GET',
        `/api/v1/auth/cli/sso/${slug}?port=8080&state=${state}&challenge=${challenge}`,
      );
      expect({ slug, status: reply.status, body: reply.body }).toMatchObject({
        slug,
        status: 404,
        body: { error: { code: 'SSO_NOT_CONFIGURED' } },
      });
    }
    const badExchange = await exchange('x', 'y');
    expect(badExchange.status).toBe(400);
    expect(badExchange.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(
      await sql(`SELECT count(*)::int AS n FROM cli_logins WHERE state = $1`, [state]),
    ).toEqual([{ n: 0 }]);
  });

  it('gives a member without any role no key', async () => {
    const login = await cliSignIn(person('roleless'));
    const refused = await exchange(login.code, login.verifier);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'CLI_LOGIN_NO_ACCESS' } });
    expect(
      await sql(
        `SELECT count(*)::int AS n FROM api_keys k JOIN users u ON u.id = k.created_by
         WHERE u.email = 'roleless@acme.example'`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('leaves the ordinary browser sign-in as it was: a session and a redirect to /', async () => {
    const { callback, jar } = await browserToCallback(person('browser'), '/api/v1/auth/sso/acme');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/');
    expect(jar.has('weft_session')).toBe(true);
    expect(jar.has('weft_cli_login')).toBe(false);
  });

  it('signs the real weft CLI in: its browser opener, its listener, its exchange', async () => {
    // The desktop's opener is a script that notes the address; this test then plays the browser.
    if (process.platform !== 'linux') return;
    const dir = await mkdtemp(join(tmpdir(), 'weft-cli-sso-'));
    let child: ReturnType<typeof spawn> | undefined;
    try {
      const noted = join(dir, 'opened.txt');
      await writeFile(join(dir, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${noted}'\n`);
      await chmod(join(dir, 'xdg-open'), 0o755);
      child = spawn(
        process.execPath,
        [
          ...SOURCE_LOADER_ARGS,
          '--no-warnings',
          cliMain,
          'login',
          '--sso',
          '--url',
          server.url,
          '--org',
          'acme',
          '--json',
        ],
        {
          env: {
            PATH: `${dir}:${process.env.PATH}`,
            HOME: dir,
            WEFT_CONFIG_DIR: join(dir, 'config'),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const exited = new Promise<number | null>((resolve) => child!.on('exit', resolve));
      let opened = '';
      for (let i = 0; i < 300 && opened === ''; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        opened = await readFile(noted, 'utf8').catch(() => '');
      }
      const address = new URL(opened);
      expect(`${address.origin}${address.pathname}`).toBe(`${server.url}/api/v1/auth/cli/sso/acme`);
      const account = person('terminal');
      const { callback } = await browserToCallback(account, `${address.pathname}${address.search}`);
      expect(callback.status).toBe(302);
      expect((await fetch(callback.headers.get('location')!)).status).toBe(200);
      expect(await exited).toBe(0);

      const result = JSON.parse(stdout) as {
        user: { email: string };
        organization: { slug: string };
      };
      expect(result).toMatchObject({
        user: { email: account.email },
        organization: { slug: 'acme' },
      });
      const stored = JSON.parse(
        await readFile(join(dir, 'config', 'credentials.json'), 'utf8'),
      ) as {
        apiKey: string;
      };
      secrets.push(stored.apiKey);
      expect(stdout).not.toContain(stored.apiKey);
      const me = await api.http('GET', '/api/v1/auth/session', { bearer: stored.apiKey });
      expect(me.body).toMatchObject({
        principal: { kind: 'api_key', orgId: acme.organization.id },
      });
    } finally {
      // A CLI still waiting (the test failed before the browser came back) is not left behind.
      if (child?.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('wrote no code or key to the log', () => {
    expect(secrets.length).toBeGreaterThan(3);
    const lines = log.lines.join('\n');
    for (const secret of secrets) expect(lines).not.toContain(secret);
  });
});
