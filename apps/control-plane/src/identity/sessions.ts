import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { changeRows, selectRows } from '../database/sql.js';
import { isUuid } from '../database/ids.js';

export interface SessionSettings {
  /** A session unused for this long ends (default 30 minutes). */
  idleTimeoutMs: number;
  /** A session ends this long after sign-in whatever its use (default 12 hours). */
  absoluteTimeoutMs: number;
}

/** A session as the authentication layer sees it. Tokens themselves are never stored. */
export interface ActiveSession {
  id: string;
  userId: string;
  activeOrgId: string | null;
  csrfHash: Buffer;
  absoluteExpiresAt: Date;
  /** How the person proved who they are; organization policies may demand more. */
  authMethod: AuthMethod;
  /** For single sign-on: the organization whose identity provider vouched for the person. */
  ssoOrgId: string | null;
}

export type AuthMethod = 'password' | 'totp' | 'recovery_code' | 'oidc';

export interface SessionAuthentication {
  method: AuthMethod;
  ssoOrgId?: string;
}

export interface NewSession {
  session: ActiveSession;
  /** Goes into the HttpOnly cookie; 256 random bits. */
  token: string;
  /** Sent back by the client in `x-csrf-token` on every cookie-authenticated write. */
  csrfToken: string;
}

export type RevokeReason = 'sign-out' | 'password-changed' | 'revoked' | 'signed-out-elsewhere';

/** SHA-256 of a token: enough for 256-bit random secrets (no salt or stretching needed). */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

// Touching last_seen_at on every request would write on every read; a minute is precise enough
// for a 30-minute idle timeout.
const TOUCH_AFTER_MS = 60_000;

/**
 * Server-side sessions in PostgreSQL: revocable at once (a revoked or expired row
 * authenticates nothing), with idle and absolute timeouts checked on every request.
 */
export class Sessions {
  constructor(
    private readonly db: DataSource,
    private readonly settings: SessionSettings,
  ) {}

  async create(
    userId: string,
    activeOrgId: string | null,
    client: { ip?: string; userAgent?: string },
    auth: SessionAuthentication = { method: 'password' },
  ): Promise<NewSession> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const [row] = await selectRows<{ id: string; absolute_expires_at: Date }>(
      this.db,
      `INSERT INTO sessions (token_hash, csrf_hash, user_id, active_org_id, idle_timeout_seconds,
                             absolute_expires_at, ip, user_agent, auth_method, sso_org_id)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7, $8, $9, $10)
       RETURNING id, absolute_expires_at`,
      [
        tokenHash(token),
        tokenHash(csrfToken),
        userId,
        activeOrgId,
        Math.round(this.settings.idleTimeoutMs / 1000),
        Math.round(this.settings.absoluteTimeoutMs / 1000),
        client.ip ?? null,
        client.userAgent?.slice(0, 512) ?? null,
        auth.method,
        auth.ssoOrgId ?? null,
      ],
    );
    return {
      token,
      csrfToken,
      session: {
        id: row!.id,
        userId,
        activeOrgId,
        csrfHash: tokenHash(csrfToken),
        absoluteExpiresAt: row!.absolute_expires_at,
        authMethod: auth.method,
        ssoOrgId: auth.ssoOrgId ?? null,
      },
    };
  }

  /** The live session a cookie token names, or undefined (unknown, revoked, idle or expired). */
  async authenticate(token: string): Promise<ActiveSession | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const [row] = await selectRows<{
      id: string;
      user_id: string;
      active_org_id: string | null;
      csrf_hash: Buffer;
      absolute_expires_at: Date;
      idle_ms: string;
      auth_method: AuthMethod;
      sso_org_id: string | null;
    }>(
      this.db,
      `SELECT id, user_id, active_org_id, csrf_hash, absolute_expires_at, auth_method, sso_org_id,
              (extract(epoch FROM now() - last_seen_at) * 1000)::bigint AS idle_ms
       FROM sessions
       WHERE token_hash = $1 AND revoked_at IS NULL AND absolute_expires_at > now()
         AND last_seen_at + make_interval(secs => idle_timeout_seconds) > now()`,
      [tokenHash(token)],
    );
    if (row === undefined) return undefined;
    if (Number(row.idle_ms) > TOUCH_AFTER_MS) {
      await this.db.query(`UPDATE sessions SET last_seen_at = now() WHERE id = $1`, [row.id]);
    }
    return {
      id: row.id,
      userId: row.user_id,
      activeOrgId: row.active_org_id,
      csrfHash: row.csrf_hash,
      absoluteExpiresAt: row.absolute_expires_at,
      authMethod: row.auth_method,
      ssoOrgId: row.sso_org_id,
    };
  }

  /**
   * Moves a live session to another organization the person is a member of. False (and no
   * change) when they are not a member, or the organization does not exist, or the session came
   * from an organization's identity provider: that provider vouches for its own organization
   * only (its administrators control what it asserts).
   */
  async switchOrganization(sessionId: string, userId: string, orgId: string): Promise<boolean> {
    if (!isUuid(orgId)) return false;
    const { count } = await changeRows(
      this.db,
      `UPDATE sessions SET active_org_id = $3
       WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
         AND (auth_method <> 'oidc' OR sso_org_id = $3)
         AND EXISTS (SELECT 1 FROM memberships WHERE user_id = $2 AND org_id = $3)`,
      [sessionId, userId, orgId],
    );
    return count > 0;
  }

  /** One organization's listing (what an API key sees of its own), or none. */
  async organization(
    orgId: string | undefined,
  ): Promise<Array<{ id: string; name: string; slug: string }>> {
    if (orgId === undefined) return [];
    return selectRows(this.db, `SELECT id, name, slug FROM organizations WHERE id = $1`, [orgId]);
  }

  /** The organizations a person belongs to, oldest membership first. */
  async organizationsOf(
    userId: string,
  ): Promise<Array<{ id: string; name: string; slug: string }>> {
    return selectRows(
      this.db,
      `SELECT o.id, o.name, o.slug FROM memberships m JOIN organizations o ON o.id = m.org_id
       WHERE m.user_id = $1 ORDER BY m.created_at, o.slug`,
      [userId],
    );
  }

  /**
   * Records a second factor proved during the session (enrolling two-factor authentication
   * proves one), so an organization that requires it lets the session act.
   */
  async upgradeToSecondFactor(sessionId: string): Promise<void> {
    await this.db.query(
      `UPDATE sessions SET auth_method = 'totp' WHERE id = $1 AND auth_method = 'password'`,
      [sessionId],
    );
  }

  async revoke(sessionId: string, reason: RevokeReason): Promise<boolean> {
    const { count } = await changeRows(
      this.db,
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
       WHERE id = $1 AND revoked_at IS NULL`,
      [sessionId, reason],
    );
    return count > 0;
  }

  /** Ends every session of a person (a password change), optionally but one. */
  async revokeAllOf(userId: string, reason: RevokeReason, except?: string): Promise<number> {
    const { count } = await changeRows(
      this.db,
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
       WHERE user_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3::uuid)`,
      [userId, reason, except ?? null],
    );
    return count;
  }
}
