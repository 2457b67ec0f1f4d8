import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { recordAudit } from '../audit/audit-trail.js';
import { isUuid } from '../database/ids.js';
import { changeRows, selectRows } from '../database/sql.js';
import { asOrgId, inTenant, type OrgId } from '../database/tenant.js';
import { tokenHash } from '../identity/sessions.js';
import type { MailOutbox } from '../mail/mail-outbox.js';
import { OrganizationError, type ChangeContext } from './organization-admin.js';

export interface InvitationView {
  id: string;
  email: string;
  roleIds: string[];
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  createdAt: string;
  expiresAt: string;
}

const INVITATION_SECONDS = 7 * 24 * 3600;

interface InvitationRow {
  id: string;
  email: string;
  role_ids: string[];
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

function view(row: InvitationRow): InvitationView {
  const status = row.accepted_at
    ? 'accepted'
    : row.revoked_at
      ? 'revoked'
      : row.expires_at.getTime() <= Date.now()
        ? 'expired'
        : 'pending';
  return {
    id: row.id,
    email: row.email,
    roleIds: row.role_ids,
    status,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
  };
}

const COLUMNS = 'id, email, role_ids, created_at, expires_at, accepted_at, revoked_at';

/**
 * Invitations into an organization, by email: a single-use link valid for seven days, kept as a
 * digest. Only the person whose verified email it was sent to can accept it, signed in; accepting
 * makes them a member with the roles chosen when inviting.
 */
export class Invitations {
  constructor(
    private readonly db: DataSource,
    private readonly mail: MailOutbox,
  ) {}

  list(orgId: OrgId): Promise<InvitationView[]> {
    return inTenant(this.db, orgId, async (tx) =>
      (
        (await tx.query(
          `SELECT ${COLUMNS} FROM invitations WHERE org_id = $1 ORDER BY created_at DESC LIMIT 500`,
          [orgId],
        )) as InvitationRow[]
      ).map(view),
    );
  }

  create(
    orgId: OrgId,
    input: { email: string; roleIds: readonly string[] },
    context: ChangeContext,
  ): Promise<InvitationView> {
    const email = input.email.trim().toLowerCase();
    return inTenant(this.db, orgId, async (tx) => {
      const roleIds = [...new Set(input.roleIds)];
      const known = (await tx.query(
        `SELECT id FROM roles WHERE org_id = $1 AND id = ANY ($2::uuid[])`,
        [orgId, roleIds],
      )) as unknown[];
      if (known.length !== roleIds.length) {
        throw new OrganizationError(
          'VALIDATION_FAILED',
          'roleIds names a role this organization does not have',
          'roleIds',
        );
      }
      const member = (await tx.query(
        `SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND u.email = $2`,
        [orgId, email],
      )) as unknown[];
      if (member.length > 0) {
        throw new OrganizationError('NAME_TAKEN', 'this person is already a member', 'email');
      }
      // A new invitation to the same address replaces a pending one.
      await tx.query(
        `UPDATE invitations SET revoked_at = now()
         WHERE org_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
        [orgId, email],
      );
      const token = randomBytes(32).toString('base64url');
      const [row] = (await tx.query(
        `INSERT INTO invitations (org_id, email, role_ids, token_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6)) RETURNING ${COLUMNS}`,
        [
          orgId,
          email,
          roleIds,
          tokenHash(token),
          context.actor.type === 'user' ? context.actor.id : null,
          INVITATION_SECONDS,
        ],
      )) as InvitationRow[];
      const [names] = (await tx.query(
        `SELECT o.name AS organization,
                coalesce((SELECT trim(first_name || ' ' || last_name) FROM users WHERE id = $2), 'An administrator') AS inviter
         FROM organizations o WHERE o.id = $1`,
        [orgId, context.actor.type === 'user' ? context.actor.id : null],
      )) as Array<{ organization: string; inviter: string }>;
      await this.mail.enqueue(tx, email, 'invitation', {
        organizationName: names!.organization,
        invitedBy: names!.inviter,
        token,
      });
      await recordAudit(tx, [
        {
          orgId,
          actor: context.actor,
          action: 'invitation.manage',
          target: { type: 'invitation', id: row!.id },
          outcome: 'succeeded',
          ...(context.ip !== undefined ? { ip: context.ip } : {}),
          details: { change: 'invited', roles: roleIds.length },
        },
      ]);
      return view(row!);
    });
  }

  revoke(orgId: OrgId, invitationId: string, context: ChangeContext): Promise<void> {
    return inTenant(this.db, orgId, async (tx) => {
      const { count } = await changeRows(
        tx,
        `UPDATE invitations SET revoked_at = now()
         WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
        [orgId, isUuid(invitationId) ? invitationId : '00000000-0000-0000-0000-000000000000'],
      );
      if (count === 0) throw new OrganizationError('NOT_FOUND', 'no such pending invitation');
      await recordAudit(tx, [
        {
          orgId,
          actor: context.actor,
          action: 'invitation.manage',
          target: { type: 'invitation', id: invitationId },
          outcome: 'succeeded',
          ...(context.ip !== undefined ? { ip: context.ip } : {}),
          details: { change: 'revoked' },
        },
      ]);
    });
  }

  /**
   * Accepts an invitation for the signed-in person. The same answer (NOT_FOUND) for an unknown,
   * used, revoked or expired link and for one sent to another address.
   */
  async accept(token: string, userId: string, ip?: string): Promise<{ organizationId: string }> {
    const refused = new OrganizationError(
      'NOT_FOUND',
      'the invitation is invalid, expired, already used, or for another email address',
    );
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw refused;
    return this.db.transaction(async (tx) => {
      const [invitation] = await selectRows<{ id: string; org_id: string; role_ids: string[] }>(
        tx,
        `SELECT i.id, i.org_id, i.role_ids FROM invitations i JOIN users u ON u.email = i.email
         WHERE i.token_hash = $1 AND u.id = $2 AND u.email_verified_at IS NOT NULL
           AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
         FOR UPDATE OF i`,
        [tokenHash(token), userId],
      );
      if (invitation === undefined) throw refused;
      await tx.query(
        `INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, $3)
         ON CONFLICT (org_id, user_id) DO NOTHING`,
        [invitation.org_id, userId, invitation.role_ids],
      );
      await tx.query(`UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1`, [
        invitation.id,
        userId,
      ]);
      await recordAudit(tx, [
        {
          orgId: asOrgId(invitation.org_id),
          actor: { type: 'user', id: userId },
          action: 'invitation.accept',
          target: { type: 'invitation', id: invitation.id },
          outcome: 'succeeded',
          ...(ip !== undefined ? { ip } : {}),
          details: { roles: invitation.role_ids.length },
        },
      ]);
      return { organizationId: invitation.org_id };
    });
  }
}
