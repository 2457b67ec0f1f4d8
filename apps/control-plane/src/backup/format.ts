// The backup object's outer layout: magic, length-prefixed JSON header, encrypted stream.
// README.md beside this file is the format's specification; keep the two in step.
import { randomBytes } from 'node:crypto';
import type { WrappedDataKey } from '@weft/crypto';
import { BackupError } from './errors.js';

/** First bytes of every backup object; the trailing digit is the outer format's version. */
export const BACKUP_MAGIC = Buffer.from('WEFTBAK1', 'ascii');
/** The header's `format` field this build writes and reads. */
export const BACKUP_FORMAT_VERSION = 1;
/** Object names end with this; anything else under the prefix is ignored by list and prune. */
export const BACKUP_OBJECT_SUFFIX = '.wbak';
export const DEFAULT_BACKUP_PREFIX = 'backups';
/** A header larger than this is refused before it is parsed: real ones are a few KiB. */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

const BACKUP_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-f]{8}$/;
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)*$/;

export type BackupCompression = 'gzip' | 'none';
/** `text` for tables whose binary COPY form embeds database-specific type OIDs (see catalog.ts). */
export type CopyFormat = 'binary' | 'text';

export interface BackupColumn {
  readonly name: string;
  /** `format_type()` of the column, checked against the target before any row is loaded. */
  readonly type: string;
}

export interface BackupTable {
  readonly name: string;
  readonly copyFormat: CopyFormat;
  readonly columns: readonly BackupColumn[];
}

/** The plaintext (but authenticated) description at the front of a backup object. */
export interface BackupHeader {
  readonly format: number;
  readonly backupId: string;
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  readonly server: { readonly version: string; readonly versionNum: number };
  /** Names of the migrations applied to the source database, in the order they were applied. */
  readonly migrations: readonly string[];
  /** In restore order: every table after the tables its foreign keys reference. */
  readonly tables: readonly BackupTable[];
  readonly compression: BackupCompression;
  /** The per-backup data key, wrapped by the key provider for `backupKeyContext(backupId)`. */
  readonly dataKey: WrappedDataKey;
}

/** A new id: sortable by creation time (UTC, to the second), then 32 random bits. */
export function newBackupId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

export function isBackupId(value: string): boolean {
  return BACKUP_ID.test(value);
}

/** The creation time encoded in a backup id (to the second). */
export function backupIdTime(backupId: string): Date {
  const m = BACKUP_ID.exec(backupId);
  if (!m) throw new BackupError('INVALID_ARGUMENT', `"${backupId}" is not a backup id`);
  const [, y, mo, d, h, mi, s] = m;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

/** Validates a key prefix once: no leading or trailing slash, no empty or dot-dot segments. */
export function checkPrefix(prefix: string): string {
  if (!PREFIX.test(prefix) || prefix.split('/').some((part) => part === '..' || part === '.')) {
    throw new BackupError(
      'INVALID_ARGUMENT',
      `backup prefix "${prefix}" must be path segments of letters, digits, ".", "_" and "-" joined by "/"`,
    );
  }
  return prefix;
}

export function backupObjectKey(prefix: string, backupId: string): string {
  if (!isBackupId(backupId)) {
    throw new BackupError(
      'INVALID_ARGUMENT',
      `"${backupId}" is not a backup id (expected e.g. 20261124T153000Z-1a2b3c4d)`,
    );
  }
  return `${prefix}/${backupId}${BACKUP_OBJECT_SUFFIX}`;
}

/** The key context the data key is wrapped for: it binds the wrap to this one backup. */
export function backupKeyContext(backupId: string): { orgId: string; keyVersion: number } {
  return { orgId: `weft-backup/${backupId}`, keyVersion: 1 };
}

/** The opaque key id written into the encrypted stream's own header. */
export function backupStreamKeyId(backupId: string): string {
  return `weft-backup/${backupId}`;
}

/**
 * The bytes before the encrypted stream: magic ‖ u32 BE header length ‖ UTF-8 JSON header.
 * All of it is the stream's associated data, so changing any header byte fails decryption.
 */
export function encodeObjectHeader(header: BackupHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (json.length > MAX_HEADER_BYTES) {
    throw new BackupError('SCHEMA_UNSUPPORTED', 'backup header exceeds 16 MiB (too many tables)');
  }
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([BACKUP_MAGIC, length, json]);
}

/** Checks the magic; returns the header length the next 4 bytes announce. */
export function parseObjectPreamble(preamble: Buffer): number {
  const magic = preamble.subarray(0, BACKUP_MAGIC.length);
  if (!magic.equals(BACKUP_MAGIC)) {
    if (magic.subarray(0, 7).equals(BACKUP_MAGIC.subarray(0, 7))) {
      throw new BackupError(
        'BACKUP_INCOMPATIBLE',
        'the backup uses a newer object format than this Weft supports; restore it with a newer Weft',
      );
    }
    throw new BackupError('BACKUP_CORRUPT', 'the object is not a Weft backup (bad magic bytes)');
  }
  const length = preamble.readUInt32BE(BACKUP_MAGIC.length);
  if (length === 0 || length > MAX_HEADER_BYTES) {
    throw new BackupError('BACKUP_CORRUPT', `the backup header length ${length} is out of range`);
  }
  return length;
}

export const PREAMBLE_BYTES = BACKUP_MAGIC.length + 4;

/** Parses and shape-checks the JSON header; any deviation is corruption, not a crash. */
export function parseHeaderJson(json: Buffer): BackupHeader {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw new BackupError('BACKUP_CORRUPT', 'the backup header is not valid UTF-8 JSON');
  }
  const h = value as Partial<Record<keyof BackupHeader, unknown>> | null;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) corrupt('not an object');
  if (typeof h.format !== 'number') corrupt('format');
  if (h.format !== BACKUP_FORMAT_VERSION) {
    throw new BackupError(
      'BACKUP_INCOMPATIBLE',
      `the backup header has format ${String(h.format)}; this Weft reads format ${BACKUP_FORMAT_VERSION}`,
    );
  }
  if (typeof h.backupId !== 'string' || !isBackupId(h.backupId)) corrupt('backupId');
  if (typeof h.createdAt !== 'string' || Number.isNaN(Date.parse(h.createdAt)))
    corrupt('createdAt');
  const server = h.server as Record<string, unknown> | undefined;
  if (typeof server?.version !== 'string' || typeof server.versionNum !== 'number')
    corrupt('server');
  if (!isStringArray(h.migrations)) corrupt('migrations');
  if (h.compression !== 'gzip' && h.compression !== 'none') corrupt('compression');
  const key = h.dataKey as Record<string, unknown> | undefined;
  if (
    typeof key?.provider !== 'string' ||
    typeof key.kekId !== 'string' ||
    typeof key.blob !== 'string'
  ) {
    corrupt('dataKey');
  }
  if (!Array.isArray(h.tables) || !h.tables.every(isTable)) corrupt('tables');
  return h as unknown as BackupHeader;
}

function isTable(value: unknown): value is BackupTable {
  const t = value as Record<string, unknown> | null;
  return (
    typeof t === 'object' &&
    t !== null &&
    typeof t.name === 'string' &&
    t.name.length > 0 &&
    (t.copyFormat === 'binary' || t.copyFormat === 'text') &&
    Array.isArray(t.columns) &&
    t.columns.every(
      (c: unknown) =>
        typeof (c as BackupColumn | null)?.name === 'string' &&
        typeof (c as BackupColumn).type === 'string',
    )
  );
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function corrupt(field: string): never {
  throw new BackupError('BACKUP_CORRUPT', `the backup header is malformed (${field})`);
}
