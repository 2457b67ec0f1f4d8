// The operator's face of backups: `backup`, `restore <id>`, `list`, `prune --older-than <N>d`.
// main.ts wires it; everything it needs arrives in the context, and output goes to `write`.
import type { S3Client } from '@aws-sdk/client-s3';
import type { KeyProvider } from '@weft/crypto';
import { createBackup } from './create-backup.js';
import { BackupError } from './errors.js';
import { restoreBackup } from './restore-backup.js';
import { listBackups, pruneBackups, type BackupLogger } from './store.js';

export interface BackupCommandContext {
  /** The control plane's database: what `backup` reads. */
  readonly databaseUrl: string;
  /**
   * Where `restore` writes (an empty database). Given by configuration, never on the command
   * line, where a password would show in the process list; defaults to `databaseUrl`, which the
   * empty-target check then protects.
   */
  readonly targetDatabaseUrl?: string;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly prefix?: string;
  readonly keyProvider: KeyProvider;
  readonly logger: BackupLogger;
  /** Receives one line of output at a time, without the newline. */
  readonly write: (line: string) => void;
  readonly now?: () => Date;
}

export const BACKUP_COMMAND_USAGE = [
  'backup                       back up the database to the object store',
  'restore <backupId>           restore a backup into the (empty) restore target database',
  'list                         list backups, newest first',
  'prune --older-than <N>d      delete backups older than N days (never the newest one)',
  'Every command accepts --json for one machine-readable line.',
].join('\n');

interface ParsedArguments {
  readonly command: string;
  readonly positional: string[];
  readonly json: boolean;
  readonly olderThanDays?: number;
}

export async function runBackupCommand(
  args: readonly string[],
  context: BackupCommandContext,
): Promise<void> {
  const parsed = parseArguments(args);
  const storage = {
    s3: context.s3,
    bucket: context.bucket,
    ...(context.prefix !== undefined ? { prefix: context.prefix } : {}),
  };
  const { write } = context;
  const now = context.now ?? (() => new Date());
  switch (parsed.command) {
    case 'backup': {
      expectPositional(parsed, 0);
      const summary = await createBackup({
        ...storage,
        databaseUrl: context.databaseUrl,
        keyProvider: context.keyProvider,
        logger: context.logger,
        now,
      });
      write(
        parsed.json
          ? JSON.stringify({ ...summary, createdAt: summary.createdAt.toISOString() })
          : `backup: created ${summary.backupId} (${summary.size} bytes, ${summary.tables} tables, ${summary.rows} rows)`,
      );
      return;
    }
    case 'restore': {
      expectPositional(parsed, 1, 'restore needs exactly one backup id: restore <backupId>');
      const summary = await restoreBackup({
        ...storage,
        backupId: parsed.positional[0] as string,
        targetDatabaseUrl: context.targetDatabaseUrl ?? context.databaseUrl,
        keyProvider: context.keyProvider,
        logger: context.logger,
      });
      write(
        parsed.json
          ? JSON.stringify(summary)
          : `restore: restored ${summary.backupId} (${summary.tables} tables, ${summary.rows} rows, ` +
              `${summary.sequences} sequences); applied ${summary.migrationsAppliedAfter.length} newer migration(s)`,
      );
      return;
    }
    case 'list': {
      expectPositional(parsed, 0);
      const backups = await listBackups(storage);
      if (parsed.json) {
        write(JSON.stringify(backups.map((b) => ({ ...b, createdAt: b.createdAt.toISOString() }))));
      } else if (backups.length === 0) {
        write('backups: none');
      } else {
        for (const b of backups)
          write(`${b.backupId}  ${b.createdAt.toISOString()}  ${b.size} bytes`);
      }
      return;
    }
    case 'prune': {
      expectPositional(parsed, 0);
      if (parsed.olderThanDays === undefined) {
        throw invalid('prune needs --older-than <N>d, e.g. --older-than 30d');
      }
      const result = await pruneBackups(storage, {
        olderThanDays: parsed.olderThanDays,
        now,
        logger: context.logger,
      });
      if (parsed.json) {
        write(
          JSON.stringify({ deleted: result.deleted.map((b) => b.backupId), kept: result.kept }),
        );
      } else {
        for (const b of result.deleted) write(`prune: deleted ${b.backupId}`);
        write(
          `prune: deleted ${result.deleted.length} backup(s) older than ${parsed.olderThanDays} days; kept ${result.kept}`,
        );
      }
      return;
    }
    default:
      throw invalid(
        parsed.command === ''
          ? 'a backup command is needed: backup, restore, list or prune'
          : `unknown backup command "${parsed.command}" (expected backup, restore, list or prune)`,
      );
  }
}

function parseArguments(args: readonly string[]): ParsedArguments {
  const [command = '', ...rest] = args;
  const positional: string[] = [];
  let json = false;
  let olderThanDays: number | undefined;
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i] as string;
    if (arg === '--json') json = true;
    else if (arg === '--older-than' || arg.startsWith('--older-than=')) {
      if (command !== 'prune') throw invalid(`--older-than applies to prune only`);
      const value = arg === '--older-than' ? rest[(i += 1)] : arg.slice('--older-than='.length);
      olderThanDays = parseDays(value);
    } else if (arg.startsWith('-')) {
      throw invalid(`unknown option "${arg}" for ${command === '' ? 'backup commands' : command}`);
    } else positional.push(arg);
  }
  return { command, positional, json, ...(olderThanDays !== undefined ? { olderThanDays } : {}) };
}

function parseDays(value: string | undefined): number {
  const match = /^(\d{1,5})d$/.exec(value ?? '');
  const days = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(days) || days < 1) {
    throw invalid(`--older-than needs a number of days like 30d, not "${value ?? ''}"`);
  }
  return days;
}

function expectPositional(parsed: ParsedArguments, count: number, message?: string): void {
  if (parsed.positional.length !== count) {
    throw invalid(
      message ?? `${parsed.command} takes no arguments, got "${parsed.positional.join(' ')}"`,
    );
  }
}

function invalid(message: string): BackupError {
  return new BackupError('INVALID_ARGUMENT', message);
}
