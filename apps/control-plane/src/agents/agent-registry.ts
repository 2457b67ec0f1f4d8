import { randomBytes } from 'node:crypto';
import { publicKeyFingerprint } from '@weft/crypto';
import type { DataSource } from 'typeorm';
import { recordAudit, type AuditActor } from '../audit/audit-trail.js';
import { isUuid } from '../database/ids.js';
import { changeRows, selectRows } from '../database/sql.js';
import { asOrgId, inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import { tokenHash } from '../identity/sessions.js';

const AGENT_ERROR = Symbol.for('weft.control-plane.agent-error');

export type AgentErrorCode =
  | 'NOT_FOUND'
  | 'NAME_TAKEN'
  | 'ENROLMENT_TOKEN_INVALID'
  | 'PUBLIC_KEY_INVALID'
  | 'AGENT_REVOKED'
  | 'RUN_NOT_RUNNING'
  | 'SECRET_NOT_FOUND'
  | 'SECRETS_TOO_LARGE'
  | 'VALIDATION_FAILED';

export class AgentError extends Error {
  readonly [AGENT_ERROR] = true;
  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
  static is(value: unknown): value is AgentError {
    return typeof value === 'object' && value !== null && AGENT_ERROR in value;
  }
}

/** An agent is online when it was heard from this recently (it heartbeats every 30 s). */
export const ONLINE_WINDOW_MS = 90_000;
const ENROLMENT_TOKEN_SECONDS = 15 * 60;

export interface AgentGroupView {
  id: string;
  name: string;
  environmentIds: string[];
  createdAt: string;
}

export interface AgentView {
  id: string;
  groupId: string;
  name: string;
  fingerprint: string;
  version: string | null;
  host: string | null;
  state: 'online' | 'busy' | 'offline' | 'disabled' | 'revoked';
  lastHeartbeatAt: string | null;
  enrolledAt: string;
}

/** Who an enrolled agent is, as everything that serves agents derives it: never from a request. */
export interface AgentIdentity {
  agentId: string;
  orgId: string;
  groupId: string;
  environmentIds: string[];
  /** A cloud group, run by the installation for every organization. */
  shared: boolean;
  publicKey: string;
}

interface AgentRow {
  id: string;
  group_id: string;
  name: string;
  fingerprint: string;
  version: string | null;
  host: string | null;
  state: 'active' | 'disabled' | 'revoked';
  busy: boolean;
  last_heartbeat_at: Date | null;
  enrolled_at: Date;
}

function agentView(row: AgentRow, now: number): AgentView {
  const heard = row.last_heartbeat_at?.getTime();
  const state =
    row.state !== 'active'
      ? row.state
      : heard === undefined || now - heard > ONLINE_WINDOW_MS
        ? 'offline'
        : row.busy
          ? 'busy'
          : 'online';
  return {
    id: row.id,
    groupId: row.group_id,
    name: row.name,
    fingerprint: row.fingerprint,
    version: row.version,
    host: row.host,
    state,
    lastHeartbeatAt: row.last_heartbeat_at?.toISOString() ?? null,
    enrolledAt: row.enrolled_at.toISOString(),
  };
}

const uuidOr = (id: string) => (isUuid(id) ? id : '00000000-0000-0000-0000-000000000000');

/**
 * Private agent groups and their agents. A group belongs to an organization and serves the
 * environments it is bound to. Enrolment is by a one-time token (15 minutes, digest stored)
 * that someone with Agent Install on the environment created; the agent registers the public
 * half of an Ed25519 key pair it generated, and from then on proves itself by signatures.
 * Disabled agents are refused until enabled; revoked ones for good.
 */
export class AgentRegistry {
  /** Called after a change of an agent's standing committed (gateways drop what they cached). */
  onAgentChanged: (agentId: string) => void = () => {};

  constructor(private readonly db: DataSource) {}

  listGroups(orgId: OrgId, environmentId: string): Promise<AgentGroupView[]> {
    return inTenant(this.db, orgId, async (tx) => {
      const rows = (await tx.query(
        `SELECT g.id, g.name, g.created_at,
                array(SELECT e.environment_id FROM agent_group_environments e WHERE e.group_id = g.id
                      ORDER BY e.created_at) AS environment_ids
         FROM agent_groups g
         WHERE g.org_id = $1 AND EXISTS (SELECT 1 FROM agent_group_environments e
                                         WHERE e.group_id = g.id AND e.environment_id = $2)
         ORDER BY g.name`,
        [orgId, environmentId],
      )) as Array<{ id: string; name: string; created_at: Date; environment_ids: string[] }>;
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        environmentIds: row.environment_ids,
        createdAt: row.created_at.toISOString(),
      }));
    });
  }

  /** Creates a group serving `environmentId`, or binds the org's group of that name to it too. */
  bindGroup(
    orgId: OrgId,
    environmentId: string,
    name: string,
    actor: AuditActor,
  ): Promise<AgentGroupView> {
    return inTenant(this.db, orgId, async (tx) => {
      const [existing] = (await tx.query(
        `SELECT id FROM agent_groups WHERE org_id = $1 AND name = $2`,
        [orgId, name],
      )) as Array<{ id: string }>;
      const groupId =
        existing?.id ??
        (
          (await tx.query(`INSERT INTO agent_groups (org_id, name) VALUES ($1, $2) RETURNING id`, [
            orgId,
            name,
          ])) as Array<{ id: string }>
        )[0]!.id;
      await tx.query(
        `INSERT INTO agent_group_environments (org_id, group_id, environment_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [orgId, groupId, environmentId],
      );
      // An environment's first group is where its runs go until it chooses another.
      await tx.query(
        `UPDATE environments SET run_group_id = $2 WHERE org_id = $1 AND id = $3 AND run_group_id IS NULL`,
        [orgId, groupId, environmentId],
      );
      await this.#audit(tx, actor, 'agent_group.manage', 'agent_group', groupId, environmentId, {
        change: existing === undefined ? 'created' : 'bound',
      });
      const [group] = (await tx.query(
        `SELECT g.id, g.name, g.created_at,
                array(SELECT e.environment_id FROM agent_group_environments e WHERE e.group_id = g.id
                      ORDER BY e.created_at) AS environment_ids
         FROM agent_groups g WHERE g.id = $1`,
        [groupId],
      )) as Array<{ id: string; name: string; created_at: Date; environment_ids: string[] }>;
      return {
        id: group!.id,
        name: group!.name,
        environmentIds: group!.environment_ids,
        createdAt: group!.created_at.toISOString(),
      };
    });
  }

  /**
   * Creates a cloud agent group: run by the installation (its agents belong to `ownerOrgId`, the
   * organization that operates Weft) for every organization's runs. Installation operators only
   * (the `agents` command), never through the tenant API.
   */
  createCloudGroup(ownerOrgId: OrgId, name: string, actor: AuditActor): Promise<{ id: string }> {
    return inTenant(this.db, ownerOrgId, async (tx) => {
      const [group] = (await tx.query(
        `INSERT INTO agent_groups (org_id, name, shared) VALUES ($1, $2, true) RETURNING id`,
        [ownerOrgId, name],
      )) as Array<{ id: string }>;
      await this.#audit(tx, actor, 'agent_group.manage', 'agent_group', group!.id, undefined, {
        change: 'created-cloud-group',
      });
      return { id: group!.id };
    });
  }

  /** A one-time enrolment token for a cloud agent group of `ownerOrgId`; shown once. */
  createCloudEnrolmentToken(
    ownerOrgId: OrgId,
    groupId: string,
    actor: AuditActor,
  ): Promise<{ token: string; expiresAt: string }> {
    return inTenant(this.db, ownerOrgId, async (tx) => {
      const rows = (await tx.query(
        `SELECT 1 FROM agent_groups WHERE org_id = $1 AND id = $2 AND shared`,
        [ownerOrgId, uuidOr(groupId)],
      )) as unknown[];
      if (rows.length === 0) throw new AgentError('NOT_FOUND', 'no such cloud agent group');
      return this.#mintToken(tx, groupId, undefined, actor);
    });
  }

  /** A one-time enrolment token for a group serving `environmentId`; shown once. */
  createEnrolmentToken(
    orgId: OrgId,
    environmentId: string,
    groupId: string,
    actor: AuditActor,
  ): Promise<{ token: string; expiresAt: string }> {
    return inTenant(this.db, orgId, async (tx) => {
      await this.#groupInEnvironment(tx, groupId, environmentId);
      return this.#mintToken(tx, groupId, environmentId, actor);
    });
  }

  async #mintToken(
    tx: TenantTransaction,
    groupId: string,
    environmentId: string | undefined,
    actor: AuditActor,
  ): Promise<{ token: string; expiresAt: string }> {
    const token = `weft_enrol_${randomBytes(32).toString('base64url')}`;
    const [row] = (await tx.query(
      `INSERT INTO agent_enrolment_tokens (token_hash, org_id, group_id, created_by, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING expires_at`,
      [
        tokenHash(token),
        tx.orgId,
        groupId,
        actor.type === 'user' ? actor.id : null,
        ENROLMENT_TOKEN_SECONDS,
      ],
    )) as Array<{ expires_at: Date }>;
    await this.#audit(tx, actor, 'agent.enrol', 'agent_group', groupId, environmentId, {
      change: 'enrolment-token',
    });
    return { token, expiresAt: row!.expires_at.toISOString() };
  }

  /**
   * Enrols an agent: uses the token up (once, before expiry) and registers the agent's Ed25519
   * public key. Called for the agent by the gateway; the token alone decides the organization
   * and group. Every refusal is the same ENROLMENT_TOKEN_INVALID, whatever the reason.
   */
  async enrol(input: {
    token: string;
    publicKey: string;
    name: string;
    version?: string;
    host?: string;
  }): Promise<AgentIdentity> {
    let fingerprint: string;
    try {
      fingerprint = publicKeyFingerprint(input.publicKey);
    } catch {
      throw new AgentError(
        'PUBLIC_KEY_INVALID',
        'publicKey must be an Ed25519 public key (SPKI, base64)',
      );
    }
    if (!/^weft_enrol_[A-Za-z0-9_-]{43}$/.test(input.token)) throw enrolmentRefused();
    // No organization is known before the token is: the token's row is read as the platform.
    const { rows } = await changeRows<{ org_id: string; group_id: string }>(
      this.db,
      `UPDATE agent_enrolment_tokens SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING org_id, group_id`,
      [tokenHash(input.token)],
    );
    const claimed = rows[0];
    if (claimed === undefined) return this.#enrolledBefore(input.token, fingerprint);
    const orgId = asOrgId(claimed.org_id);
    return inTenant(this.db, orgId, async (tx) => {
      const [agent] = (await tx.query(
        `INSERT INTO agents (org_id, group_id, name, public_key, fingerprint, version, host)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [
          orgId,
          claimed.group_id,
          input.name.slice(0, 100),
          input.publicKey,
          fingerprint,
          input.version?.slice(0, 50) ?? null,
          input.host?.slice(0, 255) ?? null,
        ],
      )) as Array<{ id: string }>;
      await tx.query(
        `UPDATE agent_enrolment_tokens SET agent_id = $2 WHERE token_hash = $1 AND org_id = $3`,
        [tokenHash(input.token), agent!.id, orgId],
      );
      await this.#audit(
        tx,
        { type: 'agent', id: agent!.id },
        'agent.enrol',
        'agent',
        agent!.id,
        undefined,
        { change: 'enrolled', fingerprint },
      );
      return this.#identity(tx, agent!.id);
    });
  }

  /**
   * A used, unexpired token presented again with the key it enrolled: the agent's answer was
   * lost on the way, and it gets the same identity. Any other key is refused like any bad token.
   */
  async #enrolledBefore(token: string, fingerprint: string): Promise<AgentIdentity> {
    const [used] = await selectRows<{ org_id: string; agent_id: string | null }>(
      this.db,
      `SELECT org_id, agent_id FROM agent_enrolment_tokens
       WHERE token_hash = $1 AND used_at IS NOT NULL AND expires_at > now()`,
      [tokenHash(token)],
    );
    if (used?.agent_id == null) throw enrolmentRefused();
    const agentId = used.agent_id;
    return inTenant(this.db, asOrgId(used.org_id), async (tx) => {
      const [agent] = (await tx.query(`SELECT fingerprint FROM agents WHERE id = $1`, [
        agentId,
      ])) as Array<{ fingerprint: string }>;
      if (agent?.fingerprint !== fingerprint) throw enrolmentRefused();
      return this.#identity(tx, agentId);
    });
  }

  /**
   * The identity of an agent for each of its calls; AGENT_REVOKED for a disabled or revoked one
   * (refused on its next call), NOT_FOUND for none.
   */
  async identity(agentId: string): Promise<AgentIdentity> {
    const [row] = await selectRows<{ org_id: string }>(
      this.db,
      `SELECT org_id FROM agents WHERE id = $1`,
      [uuidOr(agentId)],
    );
    if (row === undefined) throw new AgentError('NOT_FOUND', 'no such agent');
    return inTenant(this.db, asOrgId(row.org_id), (tx) => this.#identity(tx, agentId));
  }

  listAgents(orgId: OrgId, environmentId: string, groupId: string): Promise<AgentView[]> {
    return inTenant(this.db, orgId, async (tx) => {
      await this.#groupInEnvironment(tx, groupId, environmentId);
      const rows = (await tx.query(
        `SELECT id, group_id, name, fingerprint, version, host, state, busy, last_heartbeat_at, enrolled_at
         FROM agents WHERE org_id = $1 AND group_id = $2 ORDER BY name, enrolled_at`,
        [orgId, groupId],
      )) as AgentRow[];
      const now = Date.now();
      return rows.map((row) => agentView(row, now));
    });
  }

  /** disable (until enabled), enable, or revoke (for good). */
  async setState(
    orgId: OrgId,
    environmentId: string,
    groupId: string,
    agentId: string,
    change: 'disable' | 'enable' | 'revoke',
    actor: AuditActor,
  ): Promise<void> {
    await inTenant(this.db, orgId, async (tx) => {
      await this.#groupInEnvironment(tx, groupId, environmentId);
      const state = { disable: 'disabled', enable: 'active', revoke: 'revoked' }[change];
      const { count } = await changeRows(
        tx,
        `UPDATE agents SET state = $4, revoked_at = CASE WHEN $4 = 'revoked' THEN now() END
         WHERE org_id = $1 AND group_id = $2 AND id = $3 AND state <> 'revoked'`,
        [orgId, groupId, uuidOr(agentId), state],
      );
      if (count === 0) throw new AgentError('NOT_FOUND', 'no such agent (or it is revoked)');
      await this.#audit(tx, actor, 'agent.enrol', 'agent', agentId, environmentId, { change });
    });
    this.onAgentChanged(agentId);
  }

  async #identity(tx: TenantTransaction, agentId: string): Promise<AgentIdentity> {
    const [row] = (await tx.query(
      `SELECT a.id, a.org_id, a.group_id, a.state, a.public_key, g.shared,
              array(SELECT e.environment_id FROM agent_group_environments e
                    WHERE e.group_id = a.group_id ORDER BY e.created_at) AS environment_ids
       FROM agents a JOIN agent_groups g ON g.id = a.group_id WHERE a.id = $1`,
      [uuidOr(agentId)],
    )) as Array<{
      id: string;
      org_id: string;
      group_id: string;
      state: string;
      public_key: string;
      shared: boolean;
      environment_ids: string[];
    }>;
    if (row === undefined) throw new AgentError('NOT_FOUND', 'no such agent');
    if (row.state !== 'active') {
      throw new AgentError('AGENT_REVOKED', `the agent is ${row.state}`);
    }
    return {
      agentId: row.id,
      orgId: row.org_id,
      groupId: row.group_id,
      environmentIds: row.shared ? [] : row.environment_ids,
      shared: row.shared,
      publicKey: row.public_key,
    };
  }

  async #groupInEnvironment(
    tx: TenantTransaction,
    groupId: string,
    environmentId: string,
  ): Promise<void> {
    const rows = (await tx.query(
      `SELECT 1 FROM agent_group_environments WHERE group_id = $1 AND environment_id = $2`,
      [uuidOr(groupId), uuidOr(environmentId)],
    )) as unknown[];
    if (rows.length === 0) {
      throw new AgentError('NOT_FOUND', 'no such agent group in this environment');
    }
  }

  async #audit(
    tx: TenantTransaction,
    actor: AuditActor,
    action: 'agent.enrol' | 'agent_group.manage',
    targetType: string,
    targetId: string,
    environmentId: string | undefined,
    details: Record<string, string>,
  ): Promise<void> {
    await recordAudit(tx, [
      {
        orgId: tx.orgId,
        actor,
        action,
        target: { type: targetType, id: targetId },
        outcome: 'succeeded',
        ...(environmentId !== undefined ? { environmentId } : {}),
        details,
      },
    ]);
  }
}

function enrolmentRefused(): AgentError {
  return new AgentError(
    'ENROLMENT_TOKEN_INVALID',
    'the enrolment token is unknown, expired or already used; create a new one',
  );
}
