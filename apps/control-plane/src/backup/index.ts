// The backup feature's public face: main.ts and tests import from here only.
export { BACKUP_ERROR_CODES, BackupError, type BackupErrorCode } from './errors.js';
export {
  BACKUP_FORMAT_VERSION,
  BACKUP_MAGIC,
  DEFAULT_BACKUP_PREFIX,
  type BackupColumn,
  type BackupCompression,
  type BackupHeader,
  type BackupTable,
  type CopyFormat,
} from './format.js';
export { FrameType } from './frames.js';
export { createBackup, type BackupSummary, type CreateBackupOptions } from './create-backup.js';
export { restoreBackup, type RestoreBackupOptions, type RestoreSummary } from './restore-backup.js';
export {
  latestBackupAt,
  listBackups,
  pruneBackups,
  type BackupListing,
  type BackupLogger,
  type BackupStorage,
  type PruneOptions,
  type PruneResult,
} from './store.js';
export {
  BackupScheduler,
  type BackupSchedulerOptions,
  type ScheduledRunOutcome,
} from './scheduler.js';
export { BACKUP_COMMAND_USAGE, runBackupCommand, type BackupCommandContext } from './cli.js';
