import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { recordAudit, type AuditActor, type AuditRecord } from '../audit/audit-trail.js';
import { changeRows, selectRows } from '../database/sql.js';
import { inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import { bindingFor, encryptedColumn } from '../keys/encrypted-columns.js';
import type { OrgKeys } from '../keys/org-keys.js';
import {
  SECRET_MASK,
  VaultError,
  assertSecretName,
  type SecretKind,
  type SecretWrite,
} from './secret-input.js';
import { isUuid } from '../database/ids.js';

const VALUE_COLUMN = encryptedColumn('secrets', 'value_ciphertext');

/** What the API shows of a secret: never its value. */
export interface SecretMetadata {
  id: string;
  environmentId: string;
  name: string;
  kind: SecretKind;
  description: string;
  /** `stored`: encrypted here. `env`/`file`: resolved by a private agent on its own host. */
  source: 'stored' | 'env' | 'file';
  /** A stored value shows as the fixed mask; a reference shows as itself (it is not secret). */
  display: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

/** A secret as a run receives it. */
export type ResolvedSecret =
  | { name: string; kind: SecretKind; value: string }
  | { name: string; kind: SecretKind; reference: string };

export interface RunSecretRequest {
  orgId: OrgId;
  environmentId: string;
  runId: string;
  /** Who asks: the agent executing the run (or the user, for a design-time test). */
  actor: AuditActor;
  /** Only these names; all of the environment's secrets when absent. */
  names?: readonly string[];
}

interface SecretRow {
  id: string;
  environment_id: string;
  name: string;
  kind: SecretKind;
  description: string;
  value_ciphertext: string | null;
  key_version: number | null;
  reference: string | null;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, environment_id, name, kind, description, value_ciphertext, key_version,
  reference, revision, created_at, updated_at`;

/**
 * Project variables and connection credentials, encrypted with the organization's data key and
 * bound to their row. Write-only through the API: reads return metadata and a mask. The only
 * way to a plaintext is `resolveForRun`, and each decryption it makes is in the audit trail,
 * committed before the value is handed out. Every query is scoped by organization.
 */
export class SecretsVault {
  constructor(
    private readonly db: DataSource,
    private readonly keys: OrgKeys,
  ) {}

  async list(orgId: OrgId, environmentId: string): Promise<SecretMetadata[]> {
    return inTenant(this.db, orgId, async (tx) => {
      await this.#assertEnvironment(tx, environmentId);
      const rows = await selectRows<SecretRow>(
        tx,
        `SELECT ${COLUMNS} FROM secrets WHERE org_id = $1 AND environment_id = $2 ORDER BY name`,
        [orgId, environmentId],
      );
      return rows.map(toMetadata);
    });
  }

  async describe(orgId: OrgId, environmentId: string, name: string): Promise<SecretMetadata> {
    assertSecretName(name);
    return inTenant(this.db, orgId, async (tx) => {
      await this.#assertEnvironment(tx, environmentId);
      const [row] = await selectRows<SecretRow>(
        tx,
        `SELECT ${COLUMNS} FROM secrets WHERE org_id = $1 AND environment_id = $2 AND name = $3`,
        [orgId, environmentId, name],
      );
      if (row === undefined) throw notFound([name]);
      return toMetadata(row);
    });
  }

  /** Creates or replaces a secret (a new revision); audited as `secret.write`. */
  async put(
    orgId: OrgId,
    environmentId: string,
    name: string,
    write: SecretWrite,
    actor: AuditActor,
  ): Promise<SecretMetadata> {
    assertSecretName(name);
    return inTenant(this.db, orgId, async (tx) => {
      await this.#assertEnvironment(tx, environmentId);
      // Two writers of one new name would otherwise both insert.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
        `weft.secret:${environmentId}:${name}`,
      ]);
      const [existing] = await selectRows<{ id: string }>(
        tx,
        `SELECT id FROM secrets WHERE org_id = $1 AND environment_id = $2 AND name = $3 FOR UPDATE`,
        [orgId, environmentId, name],
      );
      const id = existing?.id ?? randomUUID();
      const sealed =
        'value' in write
          ? await this.keys.encrypt(tx, bindingFor(VALUE_COLUMN, orgId, id), write.value)
          : undefined;
      const values = [
        id,
        orgId,
        environmentId,
        name,
        write.kind,
        write.description,
        sealed?.ciphertext ?? null,
        sealed?.keyVersion ?? null,
        'reference' in write ? write.reference : null,
        actor.type === 'user' ? actor.id : null,
      ];
      const row = existing
        ? (
            await changeRows<SecretRow>(
              tx,
              `UPDATE secrets SET kind = $5, description = $6, value_ciphertext = $7,
               key_version = $8, reference = $9, updated_by = $10, revision = revision + 1,
               updated_at = now()
             WHERE id = $1 AND org_id = $2 AND environment_id = $3 AND name = $4
             RETURNING ${COLUMNS}`,
              values,
            )
          ).rows[0]
        : (
            await selectRows<SecretRow>(
              tx,
              `INSERT INTO secrets (id, org_id, environment_id, name, kind, description,
               value_ciphertext, key_version, reference, created_by, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
             RETURNING ${COLUMNS}`,
              values,
            )
          )[0];
      const metadata = toMetadata(row!);
      await recordAudit(tx, [
        this.#audit(orgId, environmentId, actor, 'secret.write', metadata, {
          change: existing ? 'updated' : 'created',
          source: metadata.source,
          revision: metadata.revision,
        }),
      ]);
      return metadata;
    });
  }

  async remove(
    orgId: OrgId,
    environmentId: string,
    name: string,
    actor: AuditActor,
  ): Promise<void> {
    assertSecretName(name);
    await inTenant(this.db, orgId, async (tx) => {
      await this.#assertEnvironment(tx, environmentId);
      const {
        rows: [row],
      } = await changeRows<SecretRow>(
        tx,
        `DELETE FROM secrets WHERE org_id = $1 AND environment_id = $2 AND name = $3
         RETURNING ${COLUMNS}`,
        [orgId, environmentId, name],
      );
      if (row === undefined) throw notFound([name]);
      await recordAudit(tx, [
        this.#audit(orgId, environmentId, actor, 'secret.write', toMetadata(row), {
          change: 'deleted',
        }),
      ]);
    });
  }

  /**
   * Decrypts an environment's secrets for one run. Each secret handed out gets a `secret.resolve`
   * audit record (run, secret, key version), committed before any value is returned. References
   * are returned as references: the private agent resolves them on its own host.
   */
  async resolveForRun(request: RunSecretRequest): Promise<ResolvedSecret[]> {
    const { orgId, environmentId, runId, actor } = request;
    request.names?.forEach((name) => assertSecretName(name));
    type Outcome = { resolved: ResolvedSecret[] } | { failed: AuditRecord; name: string };
    const outcome = await inTenant(this.db, orgId, async (tx): Promise<Outcome> => {
      await this.#assertEnvironment(tx, environmentId);
      const rows = await selectRows<SecretRow>(
        tx,
        `SELECT ${COLUMNS} FROM secrets WHERE org_id = $1 AND environment_id = $2
           AND ($3::text[] IS NULL OR name = ANY($3::text[]))
         ORDER BY name`,
        [orgId, environmentId, request.names ? [...request.names] : null],
      );
      if (request.names) {
        const found = new Set(rows.map((r) => r.name));
        const missing = request.names.filter((name) => !found.has(name));
        if (missing.length > 0) throw notFound(missing);
      }
      const resolved: ResolvedSecret[] = [];
      const audit: AuditRecord[] = [];
      for (const row of rows) {
        const metadata = toMetadata(row);
        const details = { runId, source: metadata.source, keyVersion: row.key_version };
        const record = this.#audit(
          orgId,
          environmentId,
          actor,
          'secret.resolve',
          metadata,
          details,
        );
        if (row.value_ciphertext === null) {
          resolved.push({ name: row.name, kind: row.kind, reference: row.reference! });
          audit.push(record);
          continue;
        }
        let plaintext: Buffer;
        try {
          plaintext = await this.keys.decrypt(
            bindingFor(VALUE_COLUMN, orgId, row.id),
            row.value_ciphertext,
            tx,
          );
        } catch {
          return { failed: { ...record, outcome: 'failed' as const }, name: row.name };
        }
        resolved.push({ name: row.name, kind: row.kind, value: plaintext.toString('utf8') });
        plaintext.fill(0);
        audit.push(record);
      }
      // Committed with this transaction, before any value leaves this method.
      await recordAudit(tx, audit);
      return { resolved };
    });
    if ('resolved' in outcome) return outcome.resolved;
    // The failure is itself worth an audit record; the cause stays out of the response.
    await inTenant(this.db, orgId, (tx) => recordAudit(tx, [outcome.failed]));
    throw new VaultError('SECRET_UNREADABLE', `secret "${outcome.name}" could not be decrypted`);
  }

  #audit(
    orgId: string,
    environmentId: string,
    actor: AuditActor,
    action: 'secret.write' | 'secret.resolve',
    secret: SecretMetadata,
    details: Record<string, string | number | null>,
  ): AuditRecord {
    return {
      orgId,
      environmentId,
      actor,
      action,
      target: { type: 'secret', id: secret.id },
      outcome: 'succeeded',
      details: { name: secret.name, ...details },
    };
  }

  async #assertEnvironment(tx: TenantTransaction, environmentId: string): Promise<void> {
    const [environment] = !isUuid(environmentId)
      ? []
      : await selectRows<{ id: string }>(
          tx,
          `SELECT id FROM environments WHERE id = $1 AND org_id = $2`,
          [environmentId, tx.orgId],
        );
    if (environment === undefined) {
      throw new VaultError('ENVIRONMENT_NOT_FOUND', 'No such environment in this organization');
    }
  }
}

function notFound(names: readonly string[]): VaultError {
  return new VaultError(
    'SECRET_NOT_FOUND',
    `no secret named ${names.map((n) => `"${n}"`).join(', ')} in this environment`,
  );
}

function toMetadata(row: SecretRow): SecretMetadata {
  const source =
    row.value_ciphertext !== null ? 'stored' : row.reference!.startsWith('env:') ? 'env' : 'file';
  return {
    id: row.id,
    environmentId: row.environment_id,
    name: row.name,
    kind: row.kind,
    description: row.description,
    source,
    display: source === 'stored' ? SECRET_MASK : row.reference!,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
