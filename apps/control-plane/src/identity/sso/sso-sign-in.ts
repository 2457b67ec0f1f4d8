import type { DataSource } from 'typeorm';
import { recordAudit } from '../../audit/audit-trail.js';
import { selectRows, type Queryable } from '../../database/sql.js';
import type { SsoIdentity } from './organization-oidc-strategy.js';

export type SsoRefusal =
  /** No account for this person in the organization, and just-in-time provisioning is off. */
  | 'not-a-member'
  /** The provider did not vouch for an email, so no account can be linked or created. */
  | 'email-unverified'
  /** A Weft account with this email exists but is not a member: an administrator must invite it. */
  | 'account-outside-organization';

export type SsoOutcome =
  { ok: true; userId: string; provisioned: boolean } | { ok: false; reason: SsoRefusal };

/**
 * Turns a provider's identity into a Weft person of the organization. A provider is trusted only
 * for its own organization's members: an identity links to an existing account only when that
 * account is already a member (by an earlier link, or by a verified email), and just-in-time
 * provisioning creates new accounts only — never takes over an account that belongs to other
 * organizations, since the organization's administrators control what their provider asserts.
 */
export class SsoSignIn {
  constructor(private readonly db: DataSource) {}

  async complete(identity: SsoIdentity, client: { ip?: string }): Promise<SsoOutcome> {
    const outcome = await this.db.transaction(async (tx) => {
      const [linked] = await selectRows<{ user_id: string }>(
        tx,
        `SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2 FOR UPDATE`,
        [identity.issuer, identity.subject],
      );
      if (linked !== undefined) {
        if (!(await isMember(tx, linked.user_id, identity.orgId))) {
          return { ok: false, reason: 'not-a-member' } as const;
        }
        await tx.query(
          `UPDATE user_identities SET last_login_at = now() WHERE issuer = $1 AND subject = $2`,
          [identity.issuer, identity.subject],
        );
        return { ok: true, userId: linked.user_id, provisioned: false } as const;
      }
      if (identity.email === undefined || !identity.emailVerified) {
        return { ok: false, reason: 'email-unverified' } as const;
      }
      const [existing] = await selectRows<{ id: string }>(
        tx,
        `SELECT id FROM users WHERE email = $1 FOR UPDATE`,
        [identity.email],
      );
      let userId: string;
      let provisioned = false;
      if (existing !== undefined) {
        if (!(await isMember(tx, existing.id, identity.orgId))) {
          return { ok: false, reason: 'account-outside-organization' } as const;
        }
        userId = existing.id;
      } else {
        const [provider] = await selectRows<{ jit_role_id: string | null }>(
          tx,
          `SELECT jit_role_id FROM org_identity_providers WHERE org_id = $1`,
          [identity.orgId],
        );
        if (provider?.jit_role_id == null) return { ok: false, reason: 'not-a-member' } as const;
        const [created] = await selectRows<{ id: string }>(
          tx,
          `INSERT INTO users (email, first_name, last_name, email_verified_at)
           VALUES ($1, $2, $3, now()) RETURNING id`,
          [identity.email, identity.firstName ?? '', identity.lastName ?? ''],
        );
        userId = created!.id;
        await tx.query(`INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, $3)`, [
          identity.orgId,
          userId,
          [provider.jit_role_id],
        ]);
        provisioned = true;
      }
      await tx.query(
        `INSERT INTO user_identities (user_id, issuer, subject, last_login_at) VALUES ($1, $2, $3, now())`,
        [userId, identity.issuer, identity.subject],
      );
      return { ok: true, userId, provisioned } as const;
    });
    await recordAudit(this.db, [
      {
        orgId: identity.orgId,
        actor: { type: 'user', id: outcome.ok ? outcome.userId : `sso:${identity.subject}` },
        action: 'session.create',
        target: { type: 'user', id: outcome.ok ? outcome.userId : `sso:${identity.subject}` },
        outcome: outcome.ok ? 'succeeded' : 'denied',
        ...(client.ip !== undefined ? { ip: client.ip } : {}),
        details: outcome.ok
          ? { method: 'oidc', provisioned: outcome.provisioned }
          : { method: 'oidc', reason: outcome.reason },
      },
    ]);
    return outcome;
  }
}

async function isMember(tx: Queryable, userId: string, orgId: string): Promise<boolean> {
  const rows = await selectRows(
    tx,
    `SELECT 1 FROM memberships WHERE user_id = $1 AND org_id = $2`,
    [userId, orgId],
  );
  return rows.length > 0;
}
