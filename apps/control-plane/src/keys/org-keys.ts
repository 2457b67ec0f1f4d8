import {
  CryptoError,
  Keyring,
  keyVersionOf,
  type FieldBinding,
  type StoredDataKey,
} from '@weft/crypto';
import type { Logger } from '@weft/log-schema';
import type { DataSource } from 'typeorm';
import { changeRows, selectRows, type Queryable } from '../database/sql.js';
import { ENCRYPTED_COLUMNS } from './encrypted-columns.js';
import type { KeyEncryptionKeys } from './key-providers.js';

const KEY_ERROR = Symbol.for('weft.control-plane.key-error');

export type KeyErrorCode = 'NO_DATA_KEY' | 'ORGANIZATION_NOT_FOUND';

/** A key-management request that cannot be served; `code` is stable. */
export class KeyManagementError extends Error {
  readonly [KEY_ERROR] = true;
  override name = 'KeyManagementError';
  constructor(
    readonly code: KeyErrorCode,
    message: string,
  ) {
    super(message);
  }
  static is(value: unknown): value is KeyManagementError {
    return typeof value === 'object' && value !== null && KEY_ERROR in value;
  }
}

export interface OrgKeysOptions {
  /** How long an unwrapped data key stays in memory. */
  cacheTtlMs: number;
  logger: Logger;
  /** Test seam: encryptions per key version before `encrypt` refuses (GCM bound). */
  maxEncryptionsPerKey?: number;
}

export interface DataKeyVersionStatus {
  version: number;
  state: 'active' | 'retired';
  current: boolean;
  kekId: string | null;
  encryptions: number;
  /** Ciphertexts in the database that still use this version. */
  ciphertexts: number;
  createdAt: Date;
  retiredAt: Date | null;
}

interface KeyRow {
  version: number;
  provider: string;
  kek_id: string;
  wrapped_key: string;
  encryptions: string;
}

/**
 * The organizations' data keys, as the control plane uses them: wrapped keys live in
 * `org_data_keys`; unwrapped ones only in memory, per organization, for `cacheTtlMs`, with
 * concurrent unwraps of one version sharing a single KEK call (so reading a thousand secrets
 * costs one unwrap, not a thousand).
 *
 * Writers encrypt under the organization's newest active version and lock that version's row
 * FOR SHARE in their own transaction; retiring a version locks it FOR UPDATE. So a retirement
 * either sees a concurrent writer's row or makes the writer wait and then use the new version:
 * a version is never retired while a ciphertext under it is being written.
 */
export class OrgKeys {
  readonly #keyrings = new Map<string, Keyring>();
  readonly #loading = new Map<string, Promise<Keyring>>();
  /** Encryption counts drained from replaced keyrings, not yet added to the stored counts. */
  readonly #unflushed = new Map<string, Map<number, number>>();
  readonly #rotating = new Set<string>();
  readonly #options: OrgKeysOptions;

  constructor(
    private readonly db: DataSource,
    readonly kek: KeyEncryptionKeys,
    options: OrgKeysOptions,
  ) {
    this.#options = options;
  }

  /**
   * Gives a new organization its first data key, in the caller's transaction (so an org never
   * exists without one). Does nothing when the organization already has a key.
   */
  async createFirstKey(tx: Queryable, orgId: string): Promise<number> {
    const existing = await selectRows<{ version: number }>(
      tx,
      `SELECT version FROM org_data_keys WHERE org_id = $1 ORDER BY version DESC LIMIT 1`,
      [orgId],
    );
    if (existing[0] !== undefined) return existing[0].version;
    const stored = await this.#newKeyring(orgId, []).rotate();
    await this.#insertVersion(tx, orgId, stored);
    return stored.version;
  }

  /** Creates the organization's first data key in a transaction of its own, if it has none. */
  async ensureFirstKey(orgId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.#lockOrganization(tx, orgId);
      await this.createFirstKey(tx, orgId);
    });
  }

  /**
   * Encrypts under the organization's current key version, inside `tx` (which must be a
   * transaction: the version row stays share-locked until it commits).
   */
  async encrypt(
    tx: Queryable,
    binding: FieldBinding,
    plaintext: string | Buffer,
  ): Promise<{ ciphertext: string; keyVersion: number }> {
    const lockCurrent = () =>
      selectRows<Omit<KeyRow, 'encryptions'>>(
        tx,
        `SELECT version, provider, kek_id, wrapped_key FROM org_data_keys
         WHERE org_id = $1 AND state = 'active' ORDER BY version DESC LIMIT 1 FOR SHARE`,
        [binding.orgId],
      );
    let [current] = await lockCurrent();
    if (current === undefined) {
      // An organization created before keys existed (an upgraded installation) gets its key now,
      // in this transaction (a second connection could deadlock a busy pool).
      await this.#lockOrganization(tx, binding.orgId);
      await this.createFirstKey(tx, binding.orgId);
      [current] = await lockCurrent();
    }
    if (current === undefined) {
      throw new KeyManagementError('NO_DATA_KEY', 'The organization has no data key');
    }
    // A rotation committing between the lock and the load makes the loaded keyring newer than
    // the locked version: lock the newer one too and use it (a few rounds at most). The cached
    // keyring must hold exactly the locked row's key: a re-wrap, or a key cached from a
    // transaction that then rolled back, makes it reload.
    for (let round = 0; round < 3; round += 1) {
      let keyring = await this.#keyring(binding.orgId, tx);
      if (!holdsKey(keyring, current)) keyring = await this.#reload(binding.orgId, tx);
      if (holdsKey(keyring, current)) {
        const ciphertext = await keyring.encrypt(plaintext, binding);
        if (keyring.needsRotation) this.#rotateInBackground(binding.orgId);
        return { ciphertext, keyVersion: current.version };
      }
      const [newer] = await lockCurrent();
      if (newer !== undefined) current = newer;
    }
    throw new Error(`data key version ${current.version} of the organization cannot be loaded`);
  }

  /**
   * Decrypts a ciphertext of any active version of the binding's organization. Inside a
   * transaction, pass it as `db`: key rows are then read on its connection.
   */
  async decrypt(
    binding: FieldBinding,
    ciphertext: string,
    db: Queryable = this.db,
  ): Promise<Buffer> {
    const keyring = await this.#keyring(binding.orgId, db);
    try {
      return await keyring.decrypt(ciphertext, binding);
    } catch (error) {
      // Another replica may have rotated, or re-wrapped the keys under a new KEK.
      if (
        !CryptoError.is(error) ||
        !['UNKNOWN_KEY_VERSION', 'KEY_PROVIDER_FAILED'].includes(error.code)
      )
        throw error;
      if (
        error.code === 'UNKNOWN_KEY_VERSION' &&
        keyring.versions.includes(keyVersionOf(ciphertext))
      )
        throw error;
      return (await this.#reload(binding.orgId, db)).decrypt(ciphertext, binding);
    }
  }

  /**
   * Creates the organization's next data key version and a re-encryption job that moves older
   * ciphertexts to it (or moves an open job's target forward). New writes use the new version
   * as soon as this commits; reads of older versions keep working until they are retired.
   */
  async rotate(orgId: string): Promise<{ version: number; jobId: string }> {
    const result = await this.db.transaction(async (tx) => {
      await this.#lockOrganization(tx, orgId);
      // Only versions below the current one are ever retired, so the newest active version is
      // the newest of all and the next number has never been used.
      const keyring = this.#newKeyring(orgId, await this.#activeVersions(tx, orgId));
      const stored = await keyring.rotate();
      await this.#insertVersion(tx, orgId, stored);
      const [job] = await selectRows<{ id: string }>(
        tx,
        `INSERT INTO key_rotation_jobs (org_id, target_version) VALUES ($1, $2)
         ON CONFLICT (org_id) WHERE status IN ('pending', 'running')
         DO UPDATE SET target_version = EXCLUDED.target_version, updated_at = now()
         RETURNING id`,
        [orgId, stored.version],
      );
      return { version: stored.version, jobId: job!.id };
    });
    this.#keyrings.delete(orgId);
    this.#options.logger.info('data key rotated', {
      orgId,
      version: result.version,
      jobId: result.jobId,
    });
    return result;
  }

  /** Forgets an organization's cached keys (after a retirement or a re-wrap). */
  forget(orgId: string): void {
    const keyring = this.#keyrings.get(orgId);
    if (keyring !== undefined) this.#keepUnflushed(orgId, keyring);
    this.#keyrings.delete(orgId);
  }

  /** Adds this process's encryption counts to the stored ones (they sum across replicas). */
  async flushEncryptionCounts(): Promise<void> {
    for (const [orgId, keyring] of this.#keyrings) this.#keepUnflushed(orgId, keyring);
    const pending = [...this.#unflushed];
    this.#unflushed.clear();
    for (const [orgId, counts] of pending) {
      for (const [version, delta] of counts) {
        try {
          await this.db.query(
            `UPDATE org_data_keys SET encryptions = encryptions + $3 WHERE org_id = $1 AND version = $2`,
            [orgId, version, delta],
          );
        } catch (error) {
          this.#keep(orgId, version, delta);
          throw error;
        }
      }
    }
  }

  /** Versions of an organization's keys with their usage, newest first. */
  async status(orgId: string): Promise<DataKeyVersionStatus[]> {
    const rows = await selectRows<{
      version: number;
      state: 'active' | 'retired';
      kek_id: string | null;
      encryptions: string;
      created_at: Date;
      retired_at: Date | null;
    }>(
      this.db,
      `SELECT version, state, kek_id, encryptions, created_at, retired_at
       FROM org_data_keys WHERE org_id = $1 ORDER BY version DESC`,
      [orgId],
    );
    const usage = await this.ciphertextsByVersion(this.db, orgId);
    const current = rows.find((r) => r.state === 'active')?.version;
    return rows.map((row) => ({
      version: row.version,
      state: row.state,
      current: row.version === current,
      kekId: row.kek_id,
      encryptions: Number(row.encryptions),
      ciphertexts: usage.get(row.version) ?? 0,
      createdAt: row.created_at,
      retiredAt: row.retired_at,
    }));
  }

  /** How many ciphertexts of every registered encrypted column use each key version. */
  async ciphertextsByVersion(db: Queryable, orgId: string): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for (const c of ENCRYPTED_COLUMNS) {
      const rows = await selectRows<{ version: number; n: string }>(
        db,
        `SELECT ${c.versionColumn} AS version, count(*) AS n FROM ${c.table}
         WHERE ${c.orgColumn} = $1 AND ${c.versionColumn} IS NOT NULL GROUP BY 1`,
        [orgId],
      );
      for (const row of rows)
        counts.set(row.version, (counts.get(row.version) ?? 0) + Number(row.n));
    }
    return counts;
  }

  /**
   * KEK rotation: re-wraps every active data key not wrapped by the current KEK. Field
   * ciphertexts are untouched. Idempotent; safe to interrupt and rerun.
   */
  async rewrapAll(): Promise<{ rewrapped: number; current: number }> {
    const stale = await selectRows<{ org_id: string; version: number }>(
      this.db,
      `SELECT org_id, version FROM org_data_keys
       WHERE state = 'active' AND NOT (provider = $1 AND kek_id = $2)`,
      [this.kek.id, this.kek.kekId],
    );
    for (const { org_id: orgId, version } of stale) {
      await this.db.transaction(async (tx) => {
        const [row] = await selectRows<KeyRow>(
          tx,
          `SELECT version, provider, kek_id, wrapped_key, encryptions FROM org_data_keys
           WHERE org_id = $1 AND version = $2 AND state = 'active' FOR UPDATE`,
          [orgId, version],
        );
        if (row === undefined) return;
        const context = { orgId, keyVersion: version };
        const wrapped = { provider: row.provider, kekId: row.kek_id, blob: row.wrapped_key };
        const plaintext = await this.kek.unwrapDataKey(wrapped, context);
        try {
          const rewrapped = await this.kek.wrapDataKey(plaintext, context);
          await tx.query(
            `UPDATE org_data_keys SET provider = $3, kek_id = $4, wrapped_key = $5
             WHERE org_id = $1 AND version = $2`,
            [orgId, version, rewrapped.provider, rewrapped.kekId, rewrapped.blob],
          );
        } finally {
          plaintext.fill(0);
        }
      });
      this.forget(orgId);
    }
    const [{ n }] = (await selectRows<{ n: string }>(
      this.db,
      `SELECT count(*) AS n FROM org_data_keys WHERE state = 'active'`,
    )) as [{ n: string }];
    return { rewrapped: stale.length, current: Number(n) };
  }

  /**
   * Retires the organization's active versions below `target` when no ciphertext uses them, in
   * `tx`. Returns the versions retired, or undefined when some are still in use. The wrapped
   * key is erased: a retired version can never decrypt again.
   */
  async retireBelow(tx: Queryable, orgId: string, target: number): Promise<number[] | undefined> {
    const old = await selectRows<{ version: number }>(
      tx,
      `SELECT version FROM org_data_keys WHERE org_id = $1 AND version < $2 AND state = 'active'
       ORDER BY version FOR UPDATE`,
      [orgId, target],
    );
    const usage = await this.ciphertextsByVersion(tx, orgId);
    if ([...usage.keys()].some((version) => version < target)) return undefined;
    if (old.length === 0) return [];
    await changeRows(
      tx,
      `UPDATE org_data_keys
       SET state = 'retired', retired_at = now(), provider = NULL, kek_id = NULL, wrapped_key = NULL
       WHERE org_id = $1 AND version < $2 AND state = 'active'`,
      [orgId, target],
    );
    return old.map((row) => row.version);
  }

  async #keyring(orgId: string, db: Queryable): Promise<Keyring> {
    return this.#keyrings.get(orgId) ?? this.#reload(orgId, db);
  }

  /**
   * Loads the organization's active versions (single-flight), through `db`: the caller's
   * transaction when it has one, so a caller never needs a second pooled connection.
   */
  #reload(orgId: string, db: Queryable): Promise<Keyring> {
    const pending = this.#loading.get(orgId);
    if (pending) return pending;
    const load = (async () => {
      const versions = await this.#activeVersions(db, orgId);
      const previous = this.#keyrings.get(orgId);
      if (previous !== undefined) this.#keepUnflushed(orgId, previous);
      const keyring = this.#newKeyring(orgId, versions);
      this.#keyrings.set(orgId, keyring);
      return keyring;
    })().finally(() => this.#loading.delete(orgId));
    this.#loading.set(orgId, load);
    return load;
  }

  async #lockOrganization(tx: Queryable, orgId: string): Promise<void> {
    const [org] = await selectRows<{ id: string }>(
      tx,
      `SELECT id FROM organizations WHERE id = $1 FOR UPDATE`,
      [orgId],
    );
    if (org === undefined) {
      throw new KeyManagementError('ORGANIZATION_NOT_FOUND', 'No such organization');
    }
  }

  async #activeVersions(db: Queryable, orgId: string): Promise<StoredDataKey[]> {
    const rows = await selectRows<KeyRow>(
      db,
      `SELECT version, provider, kek_id, wrapped_key, encryptions FROM org_data_keys
       WHERE org_id = $1 AND state = 'active' ORDER BY version`,
      [orgId],
    );
    const unflushed = this.#unflushed.get(orgId);
    return rows.map((row) => ({
      version: row.version,
      wrapped: { provider: row.provider, kekId: row.kek_id, blob: row.wrapped_key },
      // Counts this process made but has not stored yet still count against the limit.
      encryptions: Number(row.encryptions) + (unflushed?.get(row.version) ?? 0),
    }));
  }

  #newKeyring(orgId: string, versions: StoredDataKey[]): Keyring {
    return new Keyring({
      orgId,
      provider: this.kek,
      versions,
      cacheTtlMs: this.#options.cacheTtlMs,
      ...(this.#options.maxEncryptionsPerKey !== undefined
        ? { maxEncryptionsPerKey: this.#options.maxEncryptionsPerKey }
        : {}),
    });
  }

  async #insertVersion(tx: Queryable, orgId: string, stored: StoredDataKey): Promise<void> {
    await tx.query(
      `INSERT INTO org_data_keys (org_id, version, provider, kek_id, wrapped_key)
       VALUES ($1, $2, $3, $4, $5)`,
      [orgId, stored.version, stored.wrapped.provider, stored.wrapped.kekId, stored.wrapped.blob],
    );
  }

  #keepUnflushed(orgId: string, keyring: Keyring): void {
    for (const [version, delta] of keyring.drainEncryptionCounts())
      this.#keep(orgId, version, delta);
  }

  #keep(orgId: string, version: number, delta: number): void {
    const counts = this.#unflushed.get(orgId) ?? new Map<number, number>();
    counts.set(version, (counts.get(version) ?? 0) + delta);
    this.#unflushed.set(orgId, counts);
  }

  #rotateInBackground(orgId: string): void {
    if (this.#rotating.has(orgId)) return;
    this.#rotating.add(orgId);
    this.#options.logger.warn('data key reached its rotation watermark; rotating', { orgId });
    void this.rotate(orgId)
      .catch((error: unknown) =>
        this.#options.logger.error('automatic data key rotation failed', { orgId, err: error }),
      )
      .finally(() => this.#rotating.delete(orgId));
  }
}

/** True when `keyring` encrypts with exactly the key of the locked `row`. */
function holdsKey(keyring: Keyring, row: Omit<KeyRow, 'encryptions'>): boolean {
  if (keyring.currentVersion !== row.version) return false;
  try {
    // Refuses a different wrap for a known version; a no-op for the same one.
    keyring.addVersion({
      version: row.version,
      wrapped: { provider: row.provider, kekId: row.kek_id, blob: row.wrapped_key },
    });
    return true;
  } catch {
    return false;
  }
}
