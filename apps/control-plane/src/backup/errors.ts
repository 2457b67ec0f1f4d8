const BACKUP_ERROR_BRAND = Symbol.for('weft.backup.error');

/**
 * Every reason a backup, restore or backup command fails. The CLI and any future HTTP mapper
 * switch over these exhaustively, so a new code is a compile error until each one handles it.
 */
export const BACKUP_ERROR_CODES = [
  /** No backup object with that id under the configured bucket and prefix. */
  'BACKUP_NOT_FOUND',
  /** The object is malformed, truncated or tampered with (header, body or framing). */
  'BACKUP_CORRUPT',
  /** The backup's data key was wrapped by another key provider or KEK than the one given. */
  'BACKUP_KEY_MISMATCH',
  /** The key provider could not be reached or failed for its own reasons (e.g. AWS KMS down). */
  'KEY_UNAVAILABLE',
  /** The backup comes from a newer Weft (unknown format or migrations) or does not fit the schema. */
  'BACKUP_INCOMPATIBLE',
  /** The restore target's `public` schema already has relations; restore only into an empty database. */
  'RESTORE_TARGET_NOT_EMPTY',
  /** The schema cannot be backed up this way (e.g. a foreign-key cycle between tables). */
  'SCHEMA_UNSUPPORTED',
  /** PostgreSQL refused a statement during backup or restore. */
  'DATABASE_FAILED',
  /** The object store refused or failed a request. */
  'STORAGE_FAILED',
  /** A command or option had a bad value; the message says which. */
  'INVALID_ARGUMENT',
] as const;

export type BackupErrorCode = (typeof BACKUP_ERROR_CODES)[number];

/**
 * The error class of the backup feature. Messages are one line, name what went wrong and what
 * to do, and never carry row data or key material. Check with `BackupError.is(x)`.
 */
export class BackupError extends Error {
  readonly [BACKUP_ERROR_BRAND] = true;
  readonly code: BackupErrorCode;

  constructor(code: BackupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
    this.code = code;
  }

  static is(value: unknown): value is BackupError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BACKUP_ERROR_BRAND] === true
    );
  }
}

/**
 * A PostgreSQL error's message only: its `detail` and `where` can quote row values, so the
 * original error is deliberately not kept as `cause`.
 */
export function databaseFailure(action: string, error: unknown): BackupError {
  if (BackupError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const sqlState =
    typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
  return new BackupError('DATABASE_FAILED', `${action}: ${message}${sqlState}`);
}

/** An object-store failure, named by the SDK's error name, never with request signatures. */
export function storageFailure(action: string, error: unknown): BackupError {
  if (BackupError.is(error)) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new BackupError('STORAGE_FAILED', `${action}: ${name}: ${message}`, { cause: error });
}
