import { createHash, randomBytes } from 'node:crypto';
import { safeEqual } from '@weft/crypto';
import type { DataSource } from 'typeorm';
import { recordAudit } from '../audit/audit-trail.js';
import { changeRows, selectRows } from '../database/sql.js';
import { asOrgId, inTenant, type OrgId } from '../database/tenant.js';
import { ApiKeyError, type ApiKeyMetadata, type ApiKeys } from './api-keys.js';
import { tokenHash } from './sessions.js';

const CLI_LOGIN_ERROR = Symbol.for('weft.control-plane.cli-login-error');

export type CliLoginErrorCode =
  /** The organization has no identity provider (or does not exist: the same answer). */
  | 'SSO_NOT_CONFIGURED'
  /** The code is unknown, used, expired, or the verifier does not match its challenge. */
  | 'CLI_LOGIN_CODE_INVALID'
  /** The person holds no role in the organization (any more): a key would grant nothing. */
  | 'CLI_LOGIN_NO_ACCESS';

export class CliLoginError extends Error {
  readonly [CLI_LOGIN_ERROR] = true;
  constructor(
    readonly code: CliLoginErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliLoginError';
  }
  static is(value: unknown): value is CliLoginError {
    return typeof value === 'object' && value !== null && CLI_LOGIN_ERROR in value;
  }
}

/** What the CLI's browser sends to start: where its loopback listener waits, and PKCE. */
export interface CliLoginRequest {
  /** The port of the CLI's listener on 127.0.0.1 (1024–65535). */
  port: number;
  /** Echoed back to the listener, which refuses a callback that does not carry it. */
  state: string;
  /** BASE64URL(SHA-256(verifier)), RFC 7636 S256. */
  challenge: string;
}

/** What the token exchange returns, once: the key and who it acts for. */
export interface CliLoginToken {
  token: string;
  key: ApiKeyMetadata;
  user: { id: string; email: string };
  organization: { id: string; slug: string; name: string };
}

/** `name` of the keys this flow creates (people recognise and revoke them in the console). */
export const CLI_KEY_NAME = 'weft CLI (SSO)';
export const CLI_KEY_DAYS = 30;
const PENDING_SECONDS = 600;
const CODE_SECONDS = 120;

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * `weft login --sso`: a browser sign-in at the organization's identity provider that ends in an
 * API key for the command line (RFC 8252 loopback redirect, RFC 7636 PKCE). The browser holds a
 * handle to the pending login (a cookie); the SSO callback turns it into a one-time code sent
 * only to `http://127.0.0.1:<port>`; the CLI trades the code and its PKCE verifier for a key
 * carrying the person's roles, so a code seen by anyone else (browser history, another local
 * process) is worth nothing without the verifier that never left the CLI.
 */
export class CliLogins {
  constructor(
    private readonly db: DataSource,
    private readonly apiKeys: Pick<ApiKeys, 'create'>,
  ) {}

  /** Records a pending login for the organization; returns the browser's handle to it. */
  async start(orgSlug: string, request: CliLoginRequest): Promise<{ handle: string }> {
    const orgId = await this.#organizationWithSso(orgSlug);
    const handle = randomBytes(32).toString('base64url');
    await this.db.query(
      `INSERT INTO cli_logins (handle_hash, org_id, port, state, code_challenge, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
      [tokenHash(handle), orgId, request.port, request.state, request.challenge, PENDING_SECONDS],
    );
    // Public endpoint: rows of abandoned logins are swept as new ones arrive.
    await this.db.query(`DELETE FROM cli_logins WHERE expires_at < now()`);
    return { handle };
  }

  /**
   * After the person signed in through the organization's provider: when `handle` names a live
   * pending login of that organization, binds a new one-time code to the person and returns
   * where the browser goes next — the CLI's listener on 127.0.0.1, never another host.
   */
  async issueCode(handle: string, userId: string, orgId: string): Promise<URL | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(handle)) return undefined;
    const code = randomBytes(32).toString('base64url');
    const { rows } = await changeRows<{ port: number; state: string }>(
      this.db,
      `UPDATE cli_logins
       SET user_id = $3, code_hash = $4, expires_at = now() + make_interval(secs => $5)
       WHERE handle_hash = $1 AND org_id = $2 AND code_hash IS NULL AND expires_at > now()
       RETURNING port, state`,
      [tokenHash(handle), orgId, userId, tokenHash(code), CODE_SECONDS],
    );
    const pending = rows[0];
    if (pending === undefined) return undefined;
    const target = new URL(`http://127.0.0.1:${Number(pending.port)}/callback`);
    target.searchParams.set('code', code);
    target.searchParams.set('state', pending.state);
    return target;
  }

  /**
   * Trades a code and its PKCE verifier for an API key. The code is spent by the first attempt,
   * right or wrong: a guessed or stolen code gets one try, and the person starts again.
   */
  async exchange(code: string, verifier: string, client: { ip?: string }): Promise<CliLoginToken> {
    const invalid = new CliLoginError(
      'CLI_LOGIN_CODE_INVALID',
      'the sign-in code is unknown, already used or expired, or does not match this login: run weft login --sso again',
    );
    const { rows } = await changeRows<{ org_id: string; user_id: string; code_challenge: string }>(
      this.db,
      `UPDATE cli_logins SET used_at = now()
       WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING org_id, user_id, code_challenge`,
      [tokenHash(code)],
    );
    const login = rows[0];
    if (login === undefined) throw invalid;
    const orgId = asOrgId(login.org_id);
    const audit = (outcome: 'succeeded' | 'denied', details: Record<string, string>) =>
      recordAudit(this.db, [
        {
          orgId,
          actor: { type: 'user', id: login.user_id },
          action: 'session.create',
          target: { type: 'user', id: login.user_id },
          outcome,
          ...(client.ip !== undefined ? { ip: client.ip } : {}),
          details: { method: 'oidc-cli', ...details },
        },
      ]);
    if (!safeEqual(s256(verifier), login.code_challenge)) {
      await audit('denied', { reason: 'verifier-mismatch' });
      throw invalid;
    }
    const roleIds = await this.#rolesOf(orgId, login.user_id);
    if (roleIds.length === 0) {
      await audit('denied', { reason: 'no-roles' });
      throw new CliLoginError(
        'CLI_LOGIN_NO_ACCESS',
        'you hold no role in this organization, so a key for the command line would grant nothing',
      );
    }
    let created: { key: ApiKeyMetadata; token: string };
    try {
      created = await this.apiKeys.create(
        orgId,
        { type: 'user', id: login.user_id },
        { name: CLI_KEY_NAME, roleIds, expiresInDays: CLI_KEY_DAYS },
      );
    } catch (error) {
      // More roles than a key can carry: refused rather than silently cut.
      if (ApiKeyError.is(error)) {
        throw new CliLoginError('CLI_LOGIN_NO_ACCESS', `no key could be created: ${error.message}`);
      }
      throw error;
    }
    await audit('succeeded', { apiKey: created.key.id });
    const [who] = await selectRows<{ email: string; slug: string; name: string }>(
      this.db,
      `SELECT u.email, o.slug, o.name FROM users u, organizations o WHERE u.id = $1 AND o.id = $2`,
      [login.user_id, orgId],
    );
    return {
      token: created.token,
      key: created.key,
      user: { id: login.user_id, email: who?.email ?? '' },
      organization: { id: orgId, slug: who?.slug ?? '', name: who?.name ?? '' },
    };
  }

  async #organizationWithSso(slug: string): Promise<OrgId> {
    const notConfigured = new CliLoginError(
      'SSO_NOT_CONFIGURED',
      'this organization does not sign in through an identity provider',
    );
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) throw notConfigured;
    const [org] = await selectRows<{ id: string }>(
      this.db,
      `SELECT id FROM organizations WHERE slug = $1`,
      [slug],
    );
    if (org === undefined) throw notConfigured;
    const orgId = asOrgId(org.id);
    const configured = await inTenant(this.db, orgId, (tx) =>
      tx.query(`SELECT 1 FROM org_identity_providers WHERE org_id = $1`, [orgId]),
    );
    if ((configured as unknown[]).length === 0) throw notConfigured;
    return orgId;
  }

  /** The person's roles in the organization now (what the key will carry). */
  async #rolesOf(orgId: OrgId, userId: string): Promise<string[]> {
    const rows = (await inTenant(this.db, orgId, (tx) =>
      tx.query(
        `SELECT r.id FROM memberships m JOIN roles r ON r.id = ANY (m.role_ids)
         WHERE m.org_id = $1 AND m.user_id = $2 ORDER BY r.name`,
        [orgId, userId],
      ),
    )) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }
}
