// Periodic backups for a control plane that may run as several replicas: each replica checks,
// but only the one holding the PostgreSQL advisory lock backs up.
import pg from 'pg';
import { createBackup, type CreateBackupOptions } from './create-backup.js';
import { BackupError, databaseFailure } from './errors.js';
import { latestBackupAt, pruneBackups, type BackupLogger } from './store.js';

export interface BackupSchedulerOptions extends Omit<CreateBackupOptions, 'logger' | 'now'> {
  /** How often to check whether a backup is due. */
  readonly intervalMs: number;
  /** A backup is due when the newest one is older than this (or there is none). */
  readonly maxAgeMs: number;
  /** After each backup, delete backups older than this many days (never the newest). */
  readonly retentionDays?: number;
  readonly logger: BackupLogger;
  readonly now?: () => Date;
}

export type ScheduledRunOutcome =
  | { readonly outcome: 'not-due'; readonly latestAt: Date }
  | { readonly outcome: 'locked-elsewhere' }
  | { readonly outcome: 'backed-up'; readonly backupId: string; readonly pruned: number }
  | { readonly outcome: 'failed'; readonly code: string };

export class BackupScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ScheduledRunOutcome> | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: BackupSchedulerOptions) {
    for (const [name, value] of [
      ['intervalMs', options.intervalMs],
      ['maxAgeMs', options.maxAgeMs],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new BackupError(
          'INVALID_ARGUMENT',
          `backup scheduler ${name} must be a positive integer`,
        );
      }
    }
    if (
      options.retentionDays !== undefined &&
      (!Number.isSafeInteger(options.retentionDays) || options.retentionDays < 1)
    ) {
      throw new BackupError(
        'INVALID_ARGUMENT',
        'backup retention must be a whole number of days, at least 1',
      );
    }
    this.now = options.now ?? (() => new Date());
  }

  /** Checks now, then every `intervalMs`. Checks never overlap; the timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  /** Stops the timer and waits for a check or backup in progress to finish. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One check: back up when due and this replica wins the lock. Never throws; failures are logged. */
  runOnce(): Promise<ScheduledRunOutcome> {
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async check(): Promise<ScheduledRunOutcome> {
    const { logger } = this.options;
    try {
      // Cheap check first, so replicas do not open a lock connection on every tick.
      const latest = await this.latestIfRecent();
      if (latest) return { outcome: 'not-due', latestAt: latest };
      return await this.withLock(async () => {
        // Another replica may have finished a backup between our check and our lock.
        const recheck = await this.latestIfRecent();
        if (recheck) return { outcome: 'not-due', latestAt: recheck };
        const backup = await createBackup({ ...this.options, logger, now: this.now });
        let pruned = 0;
        if (this.options.retentionDays !== undefined) {
          const result = await pruneBackups(this.options, {
            olderThanDays: this.options.retentionDays,
            now: this.now,
            logger,
          });
          pruned = result.deleted.length;
        }
        return { outcome: 'backed-up', backupId: backup.backupId, pruned };
      });
    } catch (error) {
      const failure = BackupError.is(error)
        ? error
        : databaseFailure('scheduled backup failed', error);
      logger.error('scheduled backup failed', { code: failure.code, reason: failure.message });
      return { outcome: 'failed', code: failure.code };
    }
  }

  private async latestIfRecent(): Promise<Date | undefined> {
    const latest = await latestBackupAt(this.options);
    if (latest === undefined) return undefined;
    return this.now().getTime() - latest.getTime() < this.options.maxAgeMs ? latest : undefined;
  }

  /** Runs `work` holding the session advisory lock on a dedicated connection, or reports it is taken. */
  private async withLock(work: () => Promise<ScheduledRunOutcome>): Promise<ScheduledRunOutcome> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: 'weft-backup-scheduler',
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock(hashtext('weft.backup')) AS locked`,
      );
      if (rows[0]?.locked !== true) {
        this.options.logger.info('backup due but another replica is running it');
        return { outcome: 'locked-elsewhere' };
      }
      try {
        return await work();
      } finally {
        await client
          .query(`SELECT pg_advisory_unlock(hashtext('weft.backup'))`)
          .catch(() => undefined);
      }
    } finally {
      // Closing the session releases the lock even if the unlock above failed.
      await client.end().catch(() => undefined);
    }
  }
}
