import { createHash, randomBytes } from 'node:crypto';
import { encodeBase32, totpUri, verifyTotp } from '@weft/crypto';
import type { DataSource } from 'typeorm';
import { recordPersonalChange } from '../audit/audit-trail.js';
import { changeRows, selectRows, type Queryable } from '../database/sql.js';
import type { KeyEncryptionKeys } from '../keys/key-providers.js';

const TWO_FACTOR_ERROR = Symbol.for('weft.control-plane.two-factor-error');

export type TwoFactorErrorCode =
  | 'TWO_FACTOR_ALREADY_ENABLED'
  | 'TWO_FACTOR_NOT_STARTED'
  | 'TWO_FACTOR_NOT_ENABLED'
  | 'TWO_FACTOR_CODE_INVALID'
  | 'TWO_FACTOR_REQUIRED_BY_ORGANIZATION';

/** A refused two-factor change; `code` is the API's error code (409 or 400). */
export class TwoFactorError extends Error {
  readonly [TWO_FACTOR_ERROR] = true;
  constructor(
    readonly code: TwoFactorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TwoFactorError';
  }
  static is(value: unknown): value is TwoFactorError {
    return typeof value === 'object' && value !== null && TWO_FACTOR_ERROR in value;
  }
}

/** How many recovery codes a person gets; each works once. */
export const RECOVERY_CODE_COUNT = 10;
const SECRET_BYTES = 32;
const ISSUER = 'Weft';

export interface TotpEnrolment {
  /** The secret in base32, for typing into an authenticator app. Shown once. */
  secret: string;
  /** otpauth:// URI for a QR code. Shown once. */
  uri: string;
}

export type SecondFactor = { code: string } | { recoveryCode: string };

/** A recovery code's digest: 80 random bits need no salt or stretching. */
function recoveryHash(code: string): Buffer {
  return createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase(), 'utf8').digest();
}

/** Ten groups of four base32 characters would be 200 bits; 16 characters (80 bits) suffice. */
function newRecoveryCode(): string {
  const text = encodeBase32(randomBytes(10));
  return `${text.slice(0, 4)}-${text.slice(4, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}`;
}

/**
 * TOTP two-factor authentication (RFC 6238) with one-time recovery codes. The secret is a key
 * wrapped by the installation's KEK and bound to its user, so a copied row does not verify for
 * anyone else; it is unwrapped only to check a code. A code is accepted once: the step it
 * belongs to is stored, and the update that stores it refuses an equal or older step, so two
 * concurrent sign-ins cannot both use one code.
 */
export class TwoFactor {
  constructor(
    private readonly db: DataSource,
    private readonly kek: KeyEncryptionKeys,
  ) {}

  async isEnabled(userId: string, db: Queryable = this.db): Promise<boolean> {
    const rows = await selectRows(
      db,
      `SELECT 1 FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`,
      [userId],
    );
    return rows.length > 0;
  }

  /** Starts (or restarts) enrolment: a new secret, not yet in force until confirmed with a code. */
  async begin(userId: string): Promise<TotpEnrolment> {
    const [user] = await selectRows<{ email: string; enabled: boolean }>(
      this.db,
      `SELECT u.email, t.confirmed_at IS NOT NULL AS enabled
       FROM users u LEFT JOIN user_totp t ON t.user_id = u.id WHERE u.id = $1`,
      [userId],
    );
    if (user === undefined) throw new Error('no such user');
    if (user.enabled) {
      throw new TwoFactorError(
        'TWO_FACTOR_ALREADY_ENABLED',
        'two-factor authentication is already on; remove it first to enrol a new authenticator',
      );
    }
    const secret = randomBytes(SECRET_BYTES);
    try {
      const wrapped = await this.kek.wrapDataKey(secret, this.#context(userId));
      await this.db.query(
        `INSERT INTO user_totp (user_id, provider, kek_id, wrapped_secret)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET provider = $2, kek_id = $3, wrapped_secret = $4,
           created_at = now(), last_used_step = NULL
         WHERE user_totp.confirmed_at IS NULL`,
        [userId, wrapped.provider, wrapped.kekId, wrapped.blob],
      );
      return {
        secret: encodeBase32(secret),
        uri: totpUri({ secret, accountName: user.email, issuer: ISSUER }),
      };
    } finally {
      secret.fill(0);
    }
  }

  /** Confirms enrolment with a first code; returns the recovery codes (shown once). */
  async confirm(userId: string, code: string, ip?: string): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const [row] = await selectRows<TotpRow>(
        tx,
        `SELECT provider, kek_id, wrapped_secret, confirmed_at, last_used_step
         FROM user_totp WHERE user_id = $1 FOR UPDATE`,
        [userId],
      );
      if (row === undefined || row.confirmed_at !== null) {
        throw new TwoFactorError(
          row === undefined ? 'TWO_FACTOR_NOT_STARTED' : 'TWO_FACTOR_ALREADY_ENABLED',
          row === undefined
            ? 'start enrolment first: POST /api/v1/auth/two-factor/totp'
            : 'two-factor authentication is already on',
        );
      }
      const step = await this.#check(userId, row, code);
      if (step === undefined) throw codeInvalid();
      await tx.query(
        `UPDATE user_totp SET confirmed_at = now(), last_used_step = $2 WHERE user_id = $1`,
        [userId, step],
      );
      const codes = await this.#replaceRecoveryCodes(tx, userId);
      await recordPersonalChange(tx, userId, 'two_factor.manage', { change: 'enabled' }, ip);
      return codes;
    });
  }

  /**
   * Checks a second factor for sign-in or a sensitive change: a TOTP code (each step once) or
   * an unused recovery code (then used up). False for anything else.
   */
  async verify(userId: string, factor: SecondFactor, db: Queryable = this.db): Promise<boolean> {
    if ('recoveryCode' in factor) {
      const { count } = await changeRows(
        db,
        `UPDATE user_recovery_codes SET used_at = now()
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
        [userId, recoveryHash(factor.recoveryCode)],
      );
      return count === 1;
    }
    const [row] = await selectRows<TotpRow>(
      db,
      `SELECT provider, kek_id, wrapped_secret, confirmed_at, last_used_step
       FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`,
      [userId],
    );
    if (row === undefined) return false;
    const step = await this.#check(userId, row, factor.code);
    if (step === undefined) return false;
    const { count } = await changeRows(
      db,
      `UPDATE user_totp SET last_used_step = $2
       WHERE user_id = $1 AND (last_used_step IS NULL OR last_used_step < $2)`,
      [userId, step],
    );
    return count === 1;
  }

  /** New recovery codes (the old ones stop working), after a second factor. */
  async regenerateRecoveryCodes(userId: string, factor: SecondFactor): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      if (!(await this.isEnabled(userId, tx))) throw notEnabled();
      if (!(await this.verify(userId, factor, tx))) throw codeInvalid();
      return this.#replaceRecoveryCodes(tx, userId);
    });
  }

  /** Turns two-factor off, after a second factor, unless an organization of the person requires it. */
  async disable(userId: string, factor: SecondFactor, ip?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await this.isEnabled(userId, tx))) throw notEnabled();
      const requiring = await selectRows<{ name: string }>(
        tx,
        `SELECT o.name FROM memberships m JOIN organizations o ON o.id = m.org_id
         WHERE m.user_id = $1 AND o.require_two_factor ORDER BY o.name LIMIT 1`,
        [userId],
      );
      if (requiring[0] !== undefined) {
        throw new TwoFactorError(
          'TWO_FACTOR_REQUIRED_BY_ORGANIZATION',
          `the organization "${requiring[0].name}" requires two-factor authentication for its members`,
        );
      }
      if (!(await this.verify(userId, factor, tx))) throw codeInvalid();
      await tx.query(`DELETE FROM user_recovery_codes WHERE user_id = $1`, [userId]);
      await tx.query(`DELETE FROM user_totp WHERE user_id = $1`, [userId]);
      await recordPersonalChange(tx, userId, 'two_factor.manage', { change: 'disabled' }, ip);
    });
  }

  /** How many unused recovery codes are left (shown in account settings). */
  async recoveryCodesLeft(userId: string): Promise<number> {
    const [row] = await selectRows<{ n: string }>(
      this.db,
      `SELECT count(*) AS n FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
    return Number(row?.n ?? 0);
  }

  /** KEK rotation: re-wraps every TOTP secret not wrapped by the current KEK. */
  async rewrapAll(): Promise<number> {
    const stale = await selectRows<{ user_id: string }>(
      this.db,
      `SELECT user_id FROM user_totp WHERE NOT (provider = $1 AND kek_id = $2)`,
      [this.kek.id, this.kek.kekId],
    );
    for (const { user_id: userId } of stale) {
      await this.db.transaction(async (tx) => {
        const [row] = await selectRows<TotpRow>(
          tx,
          `SELECT provider, kek_id, wrapped_secret FROM user_totp WHERE user_id = $1 FOR UPDATE`,
          [userId],
        );
        if (row === undefined) return;
        const secret = await this.#unwrap(userId, row);
        try {
          const wrapped = await this.kek.wrapDataKey(secret, this.#context(userId));
          await tx.query(
            `UPDATE user_totp SET provider = $2, kek_id = $3, wrapped_secret = $4 WHERE user_id = $1`,
            [userId, wrapped.provider, wrapped.kekId, wrapped.blob],
          );
        } finally {
          secret.fill(0);
        }
      });
    }
    return stale.length;
  }

  async #check(userId: string, row: TotpRow, code: string): Promise<number | undefined> {
    const secret = await this.#unwrap(userId, row);
    try {
      const result = verifyTotp(secret, code, {
        ...(row.last_used_step !== null ? { lastUsedStep: Number(row.last_used_step) } : {}),
      });
      return result.valid ? result.step : undefined;
    } finally {
      secret.fill(0);
    }
  }

  #unwrap(userId: string, row: TotpRow): Promise<Buffer> {
    return this.kek.unwrapDataKey(
      { provider: row.provider, kekId: row.kek_id, blob: row.wrapped_secret },
      this.#context(userId),
    );
  }

  #context(userId: string) {
    return { orgId: `user-totp:${userId}`, keyVersion: 1 };
  }

  async #replaceRecoveryCodes(tx: Queryable, userId: string): Promise<string[]> {
    await tx.query(`DELETE FROM user_recovery_codes WHERE user_id = $1`, [userId]);
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await tx.query(
      `INSERT INTO user_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])`,
      [userId, codes.map(recoveryHash)],
    );
    return codes;
  }
}

interface TotpRow {
  provider: string;
  kek_id: string;
  wrapped_secret: string;
  confirmed_at: Date | null;
  last_used_step: string | null;
}

function codeInvalid(): TwoFactorError {
  return new TwoFactorError(
    'TWO_FACTOR_CODE_INVALID',
    'the code is wrong, expired or already used; enter the current code from your authenticator app',
  );
}

function notEnabled(): TwoFactorError {
  return new TwoFactorError('TWO_FACTOR_NOT_ENABLED', 'two-factor authentication is not on');
}
