import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import type { Logger } from '@weft/log-schema';
import { changeRows, selectRows, type Queryable } from '../database/sql.js';
import { ENCRYPTED_COLUMNS, bindingFor, type EncryptedColumn } from './encrypted-columns.js';
import type { OrgKeys } from './org-keys.js';

export interface ReencryptionOptions {
  logger: Logger;
  /** Ciphertexts moved per transaction. */
  batchSize: number;
  /** A claimed job whose lease runs out (its worker died) is taken over by another. */
  leaseMs?: number;
  /** Pause between batches, to leave the database room for its real work. */
  pauseMs?: number;
}

export interface RotationJob {
  id: string;
  orgId: string;
  targetVersion: number;
  status: 'pending' | 'running' | 'completed' | 'failed';
  total: number;
  processed: number;
  retiredVersions: number[];
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

interface JobRow {
  id: string;
  org_id: string;
  target_version: number;
  status: RotationJob['status'];
  total: number;
  processed: number;
  retired_versions: number[];
  attempts: number;
  last_error: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

const JOB_COLUMNS = `id, org_id, target_version, status, total, processed, retired_versions,
  attempts, last_error, created_at, started_at, completed_at`;

class LeaseLost extends Error {}

const RETRY_LOCKED_MS = 200;

/**
 * The background job that follows a data key rotation: moves every ciphertext of the registered
 * encrypted columns to the newest version, batch by batch, then retires the older versions.
 *
 * - Resumable: progress is the data itself (`key_version < target`), so a killed worker's job
 *   is picked up where it stopped once its lease expires; a batch commits with its progress.
 * - Idempotent: rows already moved are not selected again; rerunning a finished job is a no-op.
 * - Observable: `total`/`processed`/`status` in `key_rotation_jobs`, a log line per batch.
 */
export class ReencryptionJobs {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopping = false;

  constructor(
    private readonly db: DataSource,
    private readonly keys: OrgKeys,
    private readonly options: ReencryptionOptions,
  ) {
    this.#leaseMs = options.leaseMs ?? 60_000;
    if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1) {
      throw new Error('batchSize must be a positive whole number');
    }
  }

  async list(orgId: string): Promise<RotationJob[]> {
    const rows = await selectRows<JobRow>(
      this.db,
      `SELECT ${JOB_COLUMNS} FROM key_rotation_jobs WHERE org_id = $1 ORDER BY created_at DESC`,
      [orgId],
    );
    return rows.map(toJob);
  }

  /** Claims a pending job, or a running one whose worker's lease has run out. */
  async claim(): Promise<RotationJob | undefined> {
    const { rows } = await changeRows<JobRow>(
      this.db,
      `UPDATE key_rotation_jobs SET status = 'running', attempts = attempts + 1,
         lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2),
         started_at = coalesce(started_at, now()), updated_at = now()
       WHERE id = (
         SELECT id FROM key_rotation_jobs
         WHERE status = 'pending' OR (status = 'running' AND lease_expires_at < now())
         ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING ${JOB_COLUMNS}`,
      [this.workerId, this.#leaseMs / 1000],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  /** Runs claimed jobs until none is left; returns the jobs it finished. */
  async runPending(): Promise<RotationJob[]> {
    const finished: RotationJob[] = [];
    for (let job = await this.claim(); job && !this.#stopping; job = await this.claim()) {
      finished.push(await this.run(job));
    }
    return finished;
  }

  /** Moves a claimed job to completion (or failure). */
  async run(claimed: RotationJob): Promise<RotationJob> {
    const { logger } = this.options;
    const log = logger.child({ jobId: claimed.id, orgId: claimed.orgId });
    try {
      if (claimed.total === 0 && claimed.processed === 0) await this.#count(claimed);
      log.info('re-encryption started', { targetVersion: claimed.targetVersion });
      for (;;) {
        if (this.#stopping) return await this.#release(claimed.id);
        const moved = await this.#batch(claimed.id, claimed.orgId);
        if (moved > 0) {
          const job = await this.#load(claimed.id);
          log.info('re-encryption progress', { processed: job.processed, total: job.total });
          if (this.options.pauseMs) await sleep(this.options.pauseMs);
          continue;
        }
        const retired = await this.#retire(claimed.id, claimed.orgId);
        if (retired === undefined) {
          // What is left is locked by writers right now (or was written under an old version
          // while this batch ran): give them a moment, then look again.
          await sleep(RETRY_LOCKED_MS);
          continue;
        }
        this.keys.forget(claimed.orgId);
        const job = await this.#load(claimed.id);
        log.info('re-encryption completed', { processed: job.processed, retiredVersions: retired });
        return job;
      }
    } catch (error) {
      if (error instanceof LeaseLost) {
        log.warn('re-encryption lease lost to another worker; stopping here');
        return this.#load(claimed.id);
      }
      // Names the record, never its content: "secret <uuid>: Decryption failed".
      const message = error instanceof Error ? error.message : String(error);
      await this.db.query(
        `UPDATE key_rotation_jobs SET status = 'failed', last_error = $2, lease_owner = NULL,
           lease_expires_at = NULL, updated_at = now() WHERE id = $1 AND lease_owner = $3`,
        [claimed.id, message.slice(0, 1000), this.workerId],
      );
      log.error('re-encryption failed', { err: error });
      return this.#load(claimed.id);
    }
  }

  /** Polls for jobs every `intervalMs` (the control plane runs this in the background). */
  start(intervalMs: number): void {
    const tick = (): void => {
      this.#running = this.runPending()
        .catch((error: unknown) =>
          this.options.logger.error('re-encryption worker failed', { err: error }),
        )
        .finally(() => {
          if (!this.#stopping) this.#timer = setTimeout(tick, intervalMs);
        });
    };
    this.#timer = setTimeout(tick, Math.min(intervalMs, 1000));
    this.#timer.unref();
  }

  /** Stops after the current batch; the job's lease lets another worker resume it. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  async #count(job: RotationJob): Promise<void> {
    let total = 0;
    for (const column of ENCRYPTED_COLUMNS) {
      const [{ n }] = (await selectRows<{ n: string }>(
        this.db,
        `SELECT count(*) AS n FROM ${column.table}
         WHERE ${column.orgColumn} = $1 AND ${column.versionColumn} < $2`,
        [job.orgId, job.targetVersion],
      )) as [{ n: string }];
      total += Number(n);
    }
    await this.db.query(`UPDATE key_rotation_jobs SET total = $2 WHERE id = $1`, [job.id, total]);
    job.total = total;
  }

  /** One batch of one column, in one transaction with the job's progress. Returns rows moved. */
  async #batch(jobId: string, orgId: string): Promise<number> {
    for (const column of ENCRYPTED_COLUMNS) {
      const moved = await this.db.transaction(async (tx) => {
        const target = await this.#renewLease(tx, jobId);
        const rows = await selectRows<{ id: string; ciphertext: string }>(
          tx,
          `SELECT ${column.idColumn} AS id, ${column.column} AS ciphertext FROM ${column.table}
           WHERE ${column.orgColumn} = $1 AND ${column.versionColumn} < $2
           ORDER BY ${column.idColumn} LIMIT $3 FOR UPDATE SKIP LOCKED`,
          [orgId, target, this.options.batchSize],
        );
        if (rows.length === 0) return 0;
        await this.#move(tx, column, orgId, rows);
        await tx.query(
          `UPDATE key_rotation_jobs SET processed = processed + $2, updated_at = now() WHERE id = $1`,
          [jobId, rows.length],
        );
        return rows.length;
      });
      if (moved > 0) return moved;
    }
    return 0;
  }

  async #move(
    tx: Queryable,
    column: EncryptedColumn,
    orgId: string,
    rows: Array<{ id: string; ciphertext: string }>,
  ): Promise<void> {
    const ids: string[] = [];
    const ciphertexts: string[] = [];
    const versions: number[] = [];
    for (const row of rows) {
      const binding = bindingFor(column, orgId, row.id);
      let plaintext: Buffer;
      try {
        plaintext = await this.keys.decrypt(binding, row.ciphertext, tx);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${column.recordType} ${row.id}: ${reason}`);
      }
      try {
        const sealed = await this.keys.encrypt(tx, binding, plaintext);
        ids.push(row.id);
        ciphertexts.push(sealed.ciphertext);
        versions.push(sealed.keyVersion);
      } finally {
        plaintext.fill(0);
      }
    }
    await tx.query(
      `UPDATE ${column.table} AS t
       SET ${column.column} = m.ciphertext, ${column.versionColumn} = m.version
       FROM unnest($1::uuid[], $2::text[], $3::int[]) AS m(id, ciphertext, version)
       WHERE t.${column.idColumn} = m.id AND t.${column.orgColumn} = $4`,
      [ids, ciphertexts, versions, orgId],
    );
  }

  async #retire(jobId: string, orgId: string): Promise<number[] | undefined> {
    return this.db.transaction(async (tx) => {
      const target = await this.#renewLease(tx, jobId);
      const retired = await this.keys.retireBelow(tx, orgId, target);
      if (retired === undefined) return undefined;
      await tx.query(
        `UPDATE key_rotation_jobs SET status = 'completed', retired_versions = $2,
           completed_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL,
           last_error = NULL
         WHERE id = $1`,
        [jobId, retired],
      );
      return retired;
    });
  }

  /** Extends this worker's lease and returns the job's (possibly moved) target version. */
  async #renewLease(tx: Queryable, jobId: string): Promise<number> {
    const { rows } = await changeRows<{ target_version: number }>(
      tx,
      `UPDATE key_rotation_jobs SET lease_expires_at = now() + make_interval(secs => $3)
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'
       RETURNING target_version`,
      [jobId, this.workerId, this.#leaseMs / 1000],
    );
    if (rows[0] === undefined) throw new LeaseLost();
    return rows[0].target_version;
  }

  /** Hands a job back (shutdown), so the next worker need not wait for the lease to run out. */
  async #release(jobId: string): Promise<RotationJob> {
    await this.db.query(
      `UPDATE key_rotation_jobs SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL,
         updated_at = now()
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
      [jobId, this.workerId],
    );
    return this.#load(jobId);
  }

  async #load(jobId: string): Promise<RotationJob> {
    const [row] = await selectRows<JobRow>(
      this.db,
      `SELECT ${JOB_COLUMNS} FROM key_rotation_jobs WHERE id = $1`,
      [jobId],
    );
    return toJob(row!);
  }
}

function toJob(row: JobRow): RotationJob {
  return {
    id: row.id,
    orgId: row.org_id,
    targetVersion: row.target_version,
    status: row.status,
    total: row.total,
    processed: row.processed,
    retiredVersions: row.retired_versions,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
