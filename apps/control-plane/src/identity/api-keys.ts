import { randomBytes } from 'node:crypto';
import { safeEqual } from '@weft/crypto';
import type { DataSource } from 'typeorm';
import { recordAudit, type AuditActor } from '../audit/audit-trail.js';
import { changeRows, selectRows } from '../database/sql.js';
import { inTenant, type OrgId } from '../database/tenant.js';
import { tokenHash } from './sessions.js';
import { isUuid } from '../database/ids.js';

const API_KEY_ERROR = Symbol.for('weft.control-plane.api-key-error');

export type ApiKeyErrorCode = 'API_KEY_INVALID' | 'API_KEY_NOT_FOUND' | 'API_KEY_EXCEEDS_CREATOR';

export class ApiKeyError extends Error {
  readonly [API_KEY_ERROR] = true;
  constructor(
    readonly code: ApiKeyErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
  static is(value: unknown): value is ApiKeyError {
    return typeof value === 'object' && value !== null && API_KEY_ERROR in value;
  }
}

/** What lists show of a key: never its secret. */
export interface ApiKeyMetadata {
  id: string;
  name: string;
  /** The public part of the token (`weft_<prefix>_…`), to recognise a key. */
  prefix: string;
  roleIds: string[];
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** An authenticated key: the organization, its roles still held by its creator. */
export interface ApiKeyIdentity {
  keyId: string;
  orgId: string;
  roleIds: string[];
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  role_ids: string[];
  created_by: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = `id, name, prefix, role_ids, created_by, created_at, expires_at, revoked_at,
  last_used_at`;
const TOKEN = /^weft_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
// Same reasoning as sessions: precise enough, without a write per request.
const TOUCH_AFTER_MS = 60_000;

/**
 * API keys for scripts and CI. The token `weft_<prefix>_<secret>` is shown once; only the
 * SHA-256 of its 256-bit secret is stored. A key carries roles its creator held when creating
 * it, and at each use only those the creator still holds (all, if the creator is an
 * administrator): a key never grants more than the person behind it.
 */
export class ApiKeys {
  constructor(private readonly db: DataSource) {}

  async create(
    orgId: OrgId,
    creator: AuditActor & { type: 'user' },
    input: { name: string; roleIds: string[]; expiresInDays?: number },
  ): Promise<{ key: ApiKeyMetadata; token: string }> {
    validate(input);
    return inTenant(this.db, orgId, async (tx) => {
      const held = await heldRoles(tx, orgId, creator.id);
      if (!held.admin && input.roleIds.some((id) => !held.roleIds.includes(id))) {
        throw new ApiKeyError(
          'API_KEY_EXCEEDS_CREATOR',
          'a key can carry only roles you hold yourself',
          'roleIds',
        );
      }
      const known = await selectRows<{ id: string }>(
        tx,
        `SELECT id FROM roles WHERE org_id = $1 AND id = ANY ($2::uuid[])`,
        [orgId, input.roleIds],
      );
      if (known.length !== new Set(input.roleIds).size) {
        throw new ApiKeyError(
          'API_KEY_INVALID',
          'roleIds names a role this organization does not have',
          'roleIds',
        );
      }
      const prefix = randomBytes(6).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const [row] = await selectRows<KeyRow>(
        tx,
        `INSERT INTO api_keys (org_id, name, prefix, secret_hash, role_ids, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6,
                 CASE WHEN $7::int IS NULL THEN NULL ELSE now() + make_interval(days => $7::int) END)
         RETURNING ${COLUMNS}`,
        [
          orgId,
          input.name,
          prefix,
          tokenHash(secret),
          [...new Set(input.roleIds)],
          creator.id,
          input.expiresInDays ?? null,
        ],
      );
      const key = toMetadata(row!);
      await recordAudit(tx, [
        {
          orgId,
          actor: creator,
          action: 'api_key.manage',
          target: { type: 'api_key', id: key.id },
          outcome: 'succeeded',
          details: { change: 'created', name: key.name, prefix: key.prefix },
        },
      ]);
      return { key, token: `weft_${prefix}_${secret}` };
    });
  }

  /** Keys of the organization; a non-administrator sees only their own. */
  async list(orgId: OrgId, viewer: { userId: string; admin: boolean }): Promise<ApiKeyMetadata[]> {
    return inTenant(this.db, orgId, async (tx) =>
      (
        await selectRows<KeyRow>(
          tx,
          `SELECT ${COLUMNS} FROM api_keys WHERE org_id = $1 AND ($2 OR created_by = $3)
           ORDER BY created_at DESC`,
          [orgId, viewer.admin, viewer.userId],
        )
      ).map(toMetadata),
    );
  }

  async revoke(orgId: OrgId, keyId: string, by: AuditActor & { type: 'user' }, admin: boolean) {
    await inTenant(this.db, orgId, async (tx) => {
      const { rows } = isUuid(keyId)
        ? await changeRows<{ id: string; name: string }>(
            tx,
            `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
             WHERE id = $1 AND org_id = $2 AND ($3 OR created_by = $4) RETURNING id, name`,
            [keyId, orgId, admin, by.id],
          )
        : { rows: [] };
      if (rows[0] === undefined) throw new ApiKeyError('API_KEY_NOT_FOUND', 'no such API key');
      await recordAudit(tx, [
        {
          orgId,
          actor: by,
          action: 'api_key.manage',
          target: { type: 'api_key', id: keyId },
          outcome: 'succeeded',
          details: { change: 'revoked', name: rows[0].name },
        },
      ]);
    });
  }

  /** The key a bearer token names, if live (known, secret matches, not revoked or expired). */
  async authenticate(token: string, ip?: string): Promise<ApiKeyIdentity | undefined> {
    const match = TOKEN.exec(token);
    if (match === null) return undefined;
    const [, prefix, secret] = match as unknown as [string, string, string];
    const [row] = await selectRows<{
      id: string;
      org_id: string;
      secret_hash: Buffer;
      role_ids: string[];
      created_by: string | null;
      idle_ms: string | null;
    }>(
      this.db,
      `SELECT id, org_id, secret_hash, role_ids, created_by,
              (extract(epoch FROM now() - last_used_at) * 1000)::bigint AS idle_ms
       FROM api_keys
       WHERE prefix = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [prefix],
    );
    if (row === undefined || !safeEqual(tokenHash(secret), row.secret_hash)) return undefined;
    if (row.created_by === null) return undefined;
    const held = await inTenant(this.db, row.org_id as OrgId, (tx) =>
      heldRoles(tx, row.org_id, row.created_by!),
    );
    const roleIds = held.admin
      ? row.role_ids
      : row.role_ids.filter((id) => held.roleIds.includes(id));
    if (row.idle_ms === null || Number(row.idle_ms) > TOUCH_AFTER_MS) {
      await this.db.query(
        `UPDATE api_keys SET last_used_at = now(), last_used_ip = $2 WHERE id = $1`,
        [row.id, ip ?? null],
      );
    }
    return { keyId: row.id, orgId: row.org_id, roleIds };
  }
}

async function heldRoles(
  tx: { query(text: string, params?: unknown[]): Promise<unknown> },
  orgId: string,
  userId: string,
): Promise<{ admin: boolean; roleIds: string[] }> {
  const rows = (await tx.query(
    `SELECT r.id, r.admin FROM memberships m JOIN roles r ON r.id = ANY (m.role_ids)
     WHERE m.org_id = $1 AND m.user_id = $2`,
    [orgId, userId],
  )) as Array<{ id: string; admin: boolean }>;
  return { admin: rows.some((r) => r.admin), roleIds: rows.map((r) => r.id) };
}

function validate(input: { name: unknown; roleIds: unknown; expiresInDays?: unknown }): void {
  if (typeof input.name !== 'string' || input.name.trim().length === 0 || input.name.length > 100) {
    throw new ApiKeyError('API_KEY_INVALID', 'name must be 1 to 100 characters', 'name');
  }
  if (
    !Array.isArray(input.roleIds) ||
    input.roleIds.length === 0 ||
    input.roleIds.length > 20 ||
    !input.roleIds.every((id) => typeof id === 'string' && isUuid(id))
  ) {
    throw new ApiKeyError('API_KEY_INVALID', 'roleIds must list 1 to 20 role ids', 'roleIds');
  }
  const days = input.expiresInDays;
  if (
    days !== undefined &&
    (!Number.isInteger(days) || (days as number) < 1 || (days as number) > 3650)
  ) {
    throw new ApiKeyError(
      'API_KEY_INVALID',
      'expiresInDays must be a whole number from 1 to 3650',
      'expiresInDays',
    );
  }
}

function toMetadata(row: KeyRow): ApiKeyMetadata {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    roleIds: row.role_ids,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}
