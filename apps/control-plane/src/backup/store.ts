// Backup objects in S3: where they live, listing, retention.
import {
  DeleteObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Logger } from '@weft/log-schema';
import { BackupError, storageFailure } from './errors.js';
import {
  BACKUP_OBJECT_SUFFIX,
  DEFAULT_BACKUP_PREFIX,
  backupIdTime,
  checkPrefix,
  isBackupId,
} from './format.js';

/** Where backups are kept. */
export interface BackupStorage {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Key prefix without a trailing slash; default `backups`. */
  readonly prefix?: string;
}

/** The narrow logger the backup feature writes to (a @weft/log-schema Logger fits). */
export type BackupLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** BackupStorage with the defaults applied and the prefix validated. */
export interface ResolvedStorage {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly prefix: string;
}

export function resolveStorage(storage: BackupStorage): ResolvedStorage {
  if (typeof storage.bucket !== 'string' || storage.bucket === '') {
    throw new BackupError('INVALID_ARGUMENT', 'a backup bucket must be configured');
  }
  return {
    s3: storage.s3,
    bucket: storage.bucket,
    prefix: checkPrefix(storage.prefix ?? DEFAULT_BACKUP_PREFIX),
  };
}

export interface BackupListing {
  readonly backupId: string;
  readonly key: string;
  /** From the backup id: when the backup started, to the second. */
  readonly createdAt: Date;
  /** Object size in bytes. */
  readonly size: number;
}

/** Every backup under the prefix, newest first. Other objects there are ignored. */
export async function listBackups(storage: BackupStorage): Promise<BackupListing[]> {
  const { s3, bucket, prefix } = resolveStorage(storage);
  const listings: BackupListing[] = [];
  let continuationToken: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: `${prefix}/`,
          ...(continuationToken !== undefined ? { ContinuationToken: continuationToken } : {}),
        }),
      );
    } catch (error) {
      throw storageFailure(`cannot list backups in bucket "${bucket}"`, error);
    }
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? '';
      const name = key.slice(prefix.length + 1);
      if (!name.endsWith(BACKUP_OBJECT_SUFFIX)) continue;
      const backupId = name.slice(0, -BACKUP_OBJECT_SUFFIX.length);
      if (!isBackupId(backupId)) continue;
      listings.push({ backupId, key, createdAt: backupIdTime(backupId), size: object.Size ?? 0 });
    }
    continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (continuationToken !== undefined);
  // Ids sort by creation time first; the random suffix only orders backups of the same second.
  return listings.sort((a, b) => (a.backupId < b.backupId ? 1 : a.backupId > b.backupId ? -1 : 0));
}

/** When the newest backup was made, or undefined when there is none. */
export async function latestBackupAt(storage: BackupStorage): Promise<Date | undefined> {
  return (await listBackups(storage))[0]?.createdAt;
}

export interface PruneOptions {
  /** Backups made more than this many days ago are deleted (whole days, ≥ 1). */
  readonly olderThanDays: number;
  readonly now?: () => Date;
  readonly logger?: BackupLogger;
}

export interface PruneResult {
  readonly deleted: BackupListing[];
  readonly kept: number;
}

/**
 * Deletes backups older than `olderThanDays`, but never the newest backup: when backups stop
 * (a broken schedule), the last good one must survive however old it gets.
 */
export async function pruneBackups(
  storage: BackupStorage,
  options: PruneOptions,
): Promise<PruneResult> {
  const { olderThanDays } = options;
  if (!Number.isSafeInteger(olderThanDays) || olderThanDays < 1) {
    throw new BackupError('INVALID_ARGUMENT', 'prune needs a whole number of days, at least 1');
  }
  const resolved = resolveStorage(storage);
  const cutoff = (options.now?.() ?? new Date()).getTime() - olderThanDays * 86_400_000;
  const [newest, ...rest] = await listBackups(resolved);
  const expired = rest.filter((b) => b.createdAt.getTime() < cutoff);
  const deleted: BackupListing[] = [];
  for (const backup of expired) {
    try {
      await resolved.s3.send(new DeleteObjectCommand({ Bucket: resolved.bucket, Key: backup.key }));
    } catch (error) {
      throw storageFailure(`cannot delete backup ${backup.backupId}`, error);
    }
    deleted.push(backup);
    options.logger?.info('backup pruned', { backupId: backup.backupId });
  }
  return { deleted, kept: (newest === undefined ? 0 : 1) + rest.length - deleted.length };
}
