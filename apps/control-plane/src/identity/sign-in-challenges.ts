import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { selectRows } from '../database/sql.js';
import { tokenHash } from './sessions.js';
import type { SecondFactor, TwoFactor } from './two-factor.js';

/** A sign-in whose password was right, waiting for its second factor. */
export interface PendingSignIn {
  userId: string;
  orgId: string | null;
}

const CHALLENGE_TTL_SECONDS = 300;
/** Wrong codes a challenge survives; then the password must be entered again. */
const MAX_ATTEMPTS = 5;

/**
 * The step between a correct password and a correct second factor. The client gets an opaque
 * 256-bit token (kept here as a digest) that is good for five minutes and five tries, and that
 * is used up by the first success: a stolen password alone never yields a session, and the
 * code cannot be guessed by retrying one challenge.
 */
export class SignInChallenges {
  constructor(
    private readonly db: DataSource,
    private readonly twoFactor: TwoFactor,
  ) {}

  async create(pending: PendingSignIn): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const [row] = await selectRows<{ expires_at: Date }>(
      this.db,
      `INSERT INTO sign_in_challenges (token_hash, user_id, org_id, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING expires_at`,
      [tokenHash(token), pending.userId, pending.orgId, CHALLENGE_TTL_SECONDS],
    );
    // Expired challenges are swept as new ones are made: the table stays small.
    await this.db.query(
      `DELETE FROM sign_in_challenges WHERE expires_at < now() - interval '1 day'`,
    );
    return { token, expiresAt: row!.expires_at };
  }

  /**
   * Checks the second factor against a live challenge. The challenge row is locked for the
   * check, so concurrent tries are counted one by one; a success uses the challenge up.
   * Undefined for an unknown, expired, used-up or exhausted challenge, or a wrong factor.
   */
  async complete(token: string, factor: SecondFactor): Promise<PendingSignIn | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    return this.db.transaction(async (tx) => {
      const [challenge] = await selectRows<{ id: string; user_id: string; org_id: string | null }>(
        tx,
        `SELECT id, user_id, org_id FROM sign_in_challenges
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND attempts < $2
         FOR UPDATE`,
        [tokenHash(token), MAX_ATTEMPTS],
      );
      if (challenge === undefined) return undefined;
      const verified = await this.twoFactor.verify(challenge.user_id, factor, tx);
      await tx.query(
        verified
          ? `UPDATE sign_in_challenges SET used_at = now() WHERE id = $1`
          : `UPDATE sign_in_challenges SET attempts = attempts + 1 WHERE id = $1`,
        [challenge.id],
      );
      return verified ? { userId: challenge.user_id, orgId: challenge.org_id } : undefined;
    });
  }
}
