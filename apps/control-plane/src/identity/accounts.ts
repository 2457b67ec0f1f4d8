import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '@weft/crypto';
import type { DataSource } from 'typeorm';
import { recordPersonalChange } from '../audit/audit-trail.js';
import { changeRows, selectRows, type Queryable } from '../database/sql.js';
import type { MailOutbox } from '../mail/mail-outbox.js';
import {
  NIST_PASSWORD_POLICY,
  checkPassword,
  strictest,
  type PasswordPolicy,
  type PasswordProblem,
} from './password-policy.js';
import { tokenHash, type Sessions } from './sessions.js';

const ACCOUNT_ERROR = Symbol.for('weft.control-plane.account-error');

export type AccountErrorCode =
  PasswordProblem['code'] | 'PASSWORD_REUSED' | 'TOKEN_INVALID' | 'CURRENT_PASSWORD_WRONG';

/** A refused account change; `code` is the API's error code (400). */
export class AccountError extends Error {
  readonly [ACCOUNT_ERROR] = true;
  constructor(
    readonly code: AccountErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
  static is(value: unknown): value is AccountError {
    return typeof value === 'object' && value !== null && ACCOUNT_ERROR in value;
  }
}

export interface Registration {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  phone?: string;
  company?: string;
  address?: string;
  website?: string;
}

const VERIFY_EMAIL_SECONDS = 24 * 3600;
const RESET_PASSWORD_SECONDS = 3600;

function refusePassword(
  password: string,
  context: string[],
  twoFactor: boolean,
  policy: PasswordPolicy = NIST_PASSWORD_POLICY,
): void {
  const [problem] = checkPassword(password, policy, { twoFactor, context });
  if (problem !== undefined) throw new AccountError(problem.code, problem.message, 'password');
}

/** The policy a person's password must meet: the strictest of their organizations'. */
export async function passwordPolicyFor(db: Queryable, userId: string): Promise<PasswordPolicy> {
  const rows = await selectRows<{ password_policy: PasswordPolicy | null }>(
    db,
    `SELECT o.password_policy FROM memberships m JOIN organizations o ON o.id = m.org_id
     WHERE m.user_id = $1`,
    [userId],
  );
  return strictest(rows.map((row) => row.password_policy ?? NIST_PASSWORD_POLICY));
}

const tokenInvalid = () =>
  new AccountError(
    'TOKEN_INVALID',
    'the link is invalid, expired or already used; ask for a new one',
  );

/**
 * Self-service accounts: registration with email verification, password reset by email, and
 * password change. Answers never tell whether an email is registered: registering a known
 * address and asking a reset for an unknown one both answer like the success case (the owner
 * of a known address is told by mail). Tokens are 256-bit, single-use, short-lived, and kept as
 * digests; changing a password ends every other session of the person.
 */
export class Accounts {
  constructor(
    private readonly db: DataSource,
    private readonly mail: MailOutbox,
    private readonly sessions: Sessions,
  ) {}

  async register(input: Registration): Promise<void> {
    const email = input.email.trim().toLowerCase();
    refusePassword(input.password, [email, input.firstName, input.lastName, 'weft'], false);
    // Hashed whether or not the email is known, so both answers take as long.
    const hash = await hashPassword(input.password);
    await this.db.transaction(async (tx) => {
      const [existing] = await selectRows<{ id: string; first_name: string }>(
        tx,
        `SELECT id, first_name FROM users WHERE email = $1`,
        [email],
      );
      if (existing !== undefined) {
        await this.mail.enqueue(tx, email, 'account-exists', { firstName: existing.first_name });
        return;
      }
      const [user] = await selectRows<{ id: string }>(
        tx,
        `INSERT INTO users (email, first_name, last_name, phone, company, address, website, password_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (email) DO NOTHING RETURNING id`,
        [
          email,
          input.firstName,
          input.lastName,
          input.phone ?? null,
          input.company ?? null,
          input.address ?? null,
          input.website ?? null,
          hash,
        ],
      );
      if (user === undefined) return; // registered concurrently: the other call sends its mail
      const token = await this.#token(tx, user.id, 'verify_email', VERIFY_EMAIL_SECONDS);
      await this.mail.enqueue(tx, email, 'verify-email', { firstName: input.firstName, token });
    });
  }

  async verifyEmail(token: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const userId = await this.#use(tx, token, 'verify_email');
      await tx.query(
        `UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
         WHERE id = $1`,
        [userId],
      );
    });
  }

  /** Mails a reset link when the email is registered; the caller answers the same either way. */
  async requestPasswordReset(email: string): Promise<void> {
    const normalised = email.trim().toLowerCase();
    await this.db.transaction(async (tx) => {
      const [user] = await selectRows<{ id: string; first_name: string }>(
        tx,
        `SELECT id, first_name FROM users WHERE email = $1`,
        [normalised],
      );
      if (user === undefined) return;
      // One live reset link at a time: asking again replaces the previous one.
      await tx.query(
        `UPDATE account_tokens SET used_at = now()
         WHERE user_id = $1 AND purpose = 'reset_password' AND used_at IS NULL`,
        [user.id],
      );
      const token = await this.#token(tx, user.id, 'reset_password', RESET_PASSWORD_SECONDS);
      await this.mail.enqueue(tx, normalised, 'reset-password', {
        firstName: user.first_name,
        token,
      });
    });
  }

  /**
   * Sets a new password from a reset link: the link also proves the email address, unlocks the
   * account and ends every session.
   */
  async resetPassword(token: string, password: string, ip?: string): Promise<void> {
    const userId = await this.db.transaction(async (tx) => {
      const id = await this.#use(tx, token, 'reset_password');
      await this.#setPassword(tx, id, password);
      await tx.query(
        `UPDATE users SET email_verified_at = coalesce(email_verified_at, now()),
           failed_logins = 0, locked_until = NULL WHERE id = $1`,
        [id],
      );
      await recordPersonalChange(tx, id, 'account.manage', { password: 'reset' }, ip);
      return id;
    });
    await this.sessions.revokeAllOf(userId, 'password-changed');
  }

  /** Changes the password of a signed-in person; their other sessions end. */
  async changePassword(
    userId: string,
    sessionId: string,
    current: string,
    password: string,
    ip?: string,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [user] = await selectRows<{ password_hash: string | null }>(
        tx,
        `SELECT password_hash FROM users WHERE id = $1 FOR UPDATE`,
        [userId],
      );
      const verdict =
        user?.password_hash != null ? await verifyPassword(current, user.password_hash) : undefined;
      if (verdict?.valid !== true) {
        throw new AccountError(
          'CURRENT_PASSWORD_WRONG',
          'the current password is wrong',
          'currentPassword',
        );
      }
      await this.#setPassword(tx, userId, password);
      await recordPersonalChange(tx, userId, 'account.manage', { password: 'changed' }, ip);
    });
    await this.sessions.revokeAllOf(userId, 'password-changed', sessionId);
  }

  async #setPassword(tx: Queryable, userId: string, password: string): Promise<void> {
    const [user] = await selectRows<{
      email: string;
      first_name: string;
      last_name: string;
      password_hash: string | null;
      two_factor: boolean;
    }>(
      tx,
      `SELECT email, first_name, last_name, password_hash,
              EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL) AS two_factor
       FROM users u WHERE id = $1 FOR UPDATE`,
      [userId],
    );
    const policy = await passwordPolicyFor(tx, userId);
    refusePassword(
      password,
      [user!.email, user!.first_name, user!.last_name, 'weft'],
      user!.two_factor,
      policy,
    );
    if (policy.historySize > 0) {
      // The current password counts as the most recent one.
      const previous = await selectRows<{ password_hash: string }>(
        tx,
        `SELECT password_hash FROM password_history WHERE user_id = $1
         ORDER BY created_at DESC LIMIT $2`,
        [userId, Math.max(0, policy.historySize - 1)],
      );
      const hashes = [user!.password_hash, ...previous.map((row) => row.password_hash)];
      for (const hash of hashes.slice(0, policy.historySize)) {
        if (hash !== null && (await verifyPassword(password, hash)).valid) {
          throw new AccountError(
            'PASSWORD_REUSED',
            `your organization's policy does not allow reusing any of your last ${policy.historySize} passwords`,
            'password',
          );
        }
      }
    }
    // The replaced password joins the history, kept only as deep as the strictest rule needs
    // (the current password is the first of the last N, so N - 1 older ones).
    const keep = Math.max(0, policy.historySize - 1);
    if (user!.password_hash !== null && keep > 0) {
      await tx.query(`INSERT INTO password_history (user_id, password_hash) VALUES ($1, $2)`, [
        userId,
        user!.password_hash,
      ]);
    }
    await tx.query(
      `DELETE FROM password_history WHERE user_id = $1 AND ctid NOT IN (
         SELECT ctid FROM password_history WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2)`,
      [userId, keep],
    );
    await tx.query(
      `UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1`,
      [userId, await hashPassword(password)],
    );
  }

  async #token(tx: Queryable, userId: string, purpose: string, seconds: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await tx.query(
      `INSERT INTO account_tokens (token_hash, purpose, user_id, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [tokenHash(token), purpose, userId, seconds],
    );
    return token;
  }

  /** Uses a token up (once, before expiry) and returns its person; TOKEN_INVALID otherwise. */
  async #use(tx: Queryable, token: string, purpose: string): Promise<string> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw tokenInvalid();
    const { rows } = await changeRows<{ user_id: string }>(
      tx,
      `UPDATE account_tokens SET used_at = now()
       WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
       RETURNING user_id`,
      [tokenHash(token), purpose],
    );
    if (rows[0] === undefined) throw tokenInvalid();
    return rows[0].user_id;
  }
}
