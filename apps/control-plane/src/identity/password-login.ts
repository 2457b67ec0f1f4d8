import { hashPassword, randomToken, verifyPassword } from '@weft/crypto';
import type { DataSource } from 'typeorm';
import { recordAudit } from '../audit/audit-trail.js';
import { selectRows } from '../database/sql.js';
import { passwordPolicyFor } from './accounts.js';

export interface LockoutSettings {
  /** Consecutive failures after which the account is locked. */
  maxFailures: number;
  /** How long a lock lasts. */
  lockMs: number;
}

/** Why a sign-in failed: for the audit trail and the log, never for the response. */
export type LoginFailure = 'unknown-email' | 'wrong-password' | 'locked' | 'no-password';

export type LoginOutcome =
  | { ok: true; userId: string; email: string; orgId: string | null }
  | { ok: false; reason: LoginFailure }
  /** The password was right, but every organization of the person signs in through its IdP. */
  | { ok: false; reason: 'sso-required'; orgSlug: string }
  /** The password was right, but the email address was never confirmed. */
  | { ok: false; reason: 'email-unverified' }
  /** The password was right, but older than an organization's policy allows. */
  | { ok: false; reason: 'password-expired'; maxAgeDays: number };

const LOGIN_ERROR = Symbol.for('weft.control-plane.login-error');

/** The one answer every failed sign-in gets, whatever the cause: no account enumeration. */
export class InvalidCredentials extends Error {
  readonly [LOGIN_ERROR] = true;
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('email or password is wrong, or the account is temporarily locked');
  }
  static is(value: unknown): value is InvalidCredentials {
    return typeof value === 'object' && value !== null && LOGIN_ERROR in value;
  }
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string | null;
  locked: boolean;
  failed_logins: number;
  verified: boolean;
  password_age_days: number;
}

/**
 * Email + password sign-in. Every path costs one full password verification — against a
 * stand-in hash when the account does not exist, is locked or has no password — so neither the
 * answer nor its timing tells whether an email is registered. After `maxFailures` consecutive
 * failures the account locks for `lockMs`; a success resets the count and upgrades an old hash.
 */
export class PasswordLogin {
  #standIn: Promise<string> | undefined;
  readonly #background = new Set<Promise<void>>();

  constructor(
    private readonly db: DataSource,
    private readonly lockout: LockoutSettings,
  ) {}

  async attempt(email: string, password: string, client: { ip?: string }): Promise<LoginOutcome> {
    const normalised = email.trim().toLowerCase();
    const [user] = await selectRows<UserRow>(
      this.db,
      `SELECT id, email, password_hash, failed_logins, email_verified_at IS NOT NULL AS verified,
              extract(epoch FROM now() - coalesce(password_changed_at, created_at)) / 86400 AS password_age_days,
              coalesce(locked_until > now(), false) AS locked
       FROM users WHERE email = $1`,
      [normalised],
    );
    const usable = user !== undefined && !user.locked && user.password_hash !== null;
    const verdict = await verifyPassword(
      password,
      usable ? user.password_hash! : await this.#standInHash(),
    );
    if (user === undefined) return { ok: false, reason: 'unknown-email' };
    if (!usable || !verdict.valid) {
      const reason: LoginFailure = user.locked
        ? 'locked'
        : user.password_hash === null
          ? 'no-password'
          : 'wrong-password';
      // After the answer, not before it: a known email must not take longer to refuse.
      this.#inBackground(async () => {
        if (reason === 'wrong-password') await this.#countFailure(user.id);
        await this.#audit(
          user.id,
          await this.#firstOrganization(user.id),
          'failed',
          { reason },
          client.ip,
        );
      });
      return { ok: false, reason };
    }
    if (!user.verified) return { ok: false, reason: 'email-unverified' };
    const { maxAgeDays } = await passwordPolicyFor(this.db, user.id);
    if (maxAgeDays !== null && Number(user.password_age_days) > maxAgeDays) {
      return { ok: false, reason: 'password-expired', maxAgeDays };
    }
    const first = await this.#signInOrganization(user.id);
    const orgId = first?.orgId ?? null;
    await this.db.query(`UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, [
      user.id,
    ]);
    if (verdict.needsRehash) {
      await this.db.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [
        user.id,
        await hashPassword(password),
      ]);
    }
    if (first?.ssoEnforced === true) {
      await this.#audit(user.id, orgId, 'denied', { reason: 'sso-required' }, client.ip);
      return { ok: false, reason: 'sso-required', orgSlug: first.slug };
    }
    await this.#audit(user.id, orgId, 'succeeded', {}, client.ip);
    return { ok: true, userId: user.id, email: user.email, orgId };
  }

  async #countFailure(userId: string): Promise<void> {
    await this.db.query(
      `UPDATE users SET
         failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
         locked_until = CASE WHEN failed_logins + 1 >= $2
                             THEN now() + make_interval(secs => $3) ELSE locked_until END
       WHERE id = $1`,
      [userId, this.lockout.maxFailures, this.lockout.lockMs / 1000],
    );
  }

  /**
   * The organization a password session acts in: the oldest membership among organizations that
   * allow password sign-in, else (all enforce single sign-on) the oldest, flagged.
   */
  async #signInOrganization(
    userId: string,
  ): Promise<{ orgId: string; slug: string; ssoEnforced: boolean } | undefined> {
    const [row] = await selectRows<{ org_id: string; slug: string; sso_enforced: boolean }>(
      this.db,
      `SELECT m.org_id, o.slug, coalesce(p.enforced, false) AS sso_enforced
       FROM memberships m JOIN organizations o ON o.id = m.org_id
       LEFT JOIN org_identity_providers p ON p.org_id = m.org_id
       WHERE m.user_id = $1 ORDER BY coalesce(p.enforced, false), m.created_at LIMIT 1`,
      [userId],
    );
    return row && { orgId: row.org_id, slug: row.slug, ssoEnforced: row.sso_enforced };
  }

  /** The organization a failed sign-in is recorded in: the person's oldest membership. */
  async #firstOrganization(userId: string): Promise<string | null> {
    const [membership] = await selectRows<{ org_id: string }>(
      this.db,
      `SELECT org_id FROM memberships WHERE user_id = $1 ORDER BY created_at LIMIT 1`,
      [userId],
    );
    return membership?.org_id ?? null;
  }

  async #audit(
    userId: string,
    orgId: string | null,
    outcome: 'succeeded' | 'failed' | 'denied',
    details: Record<string, string>,
    ip: string | undefined,
  ): Promise<void> {
    if (orgId === null) return;
    await recordAudit(this.db, [
      {
        orgId,
        actor: { type: 'user', id: userId },
        action: 'session.create',
        target: { type: 'user', id: userId },
        outcome,
        ...(ip !== undefined ? { ip } : {}),
        details,
      },
    ]);
  }

  /** Waits for failure bookkeeping still in flight (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.#background]);
  }

  #inBackground(work: () => Promise<void>): void {
    const running: Promise<void> = work()
      .catch((error: unknown) => this.onBackgroundError(error))
      .finally(() => this.#background.delete(running));
    this.#background.add(running);
  }

  /** Replaced by the owner to log; bookkeeping failures never reach the caller. */
  onBackgroundError: (error: unknown) => void = () => undefined;

  #standInHash(): Promise<string> {
    this.#standIn ??= hashPassword(randomToken(24));
    return this.#standIn;
  }
}
