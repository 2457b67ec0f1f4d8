import type { FieldBinding } from '@weft/crypto';

/**
 * A database column holding field ciphertexts under an organization's data keys. Every such
 * column is listed here: the re-encryption job moves exactly these forward after a rotation, a
 * key version is retired only when none of them uses it, and a test fails when a table gains a
 * `*_ciphertext` column that is not listed.
 */
export interface EncryptedColumn {
  readonly table: string;
  readonly column: string;
  /** The key version of the ciphertext, kept beside it so usage is an index lookup. */
  readonly versionColumn: string;
  readonly idColumn: string;
  readonly orgColumn: string;
  /** Bound into the ciphertext (with org, row id and field): a copy elsewhere fails to decrypt. */
  readonly recordType: string;
  readonly field: string;
}

export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  {
    table: 'secrets',
    column: 'value_ciphertext',
    versionColumn: 'key_version',
    idColumn: 'id',
    orgColumn: 'org_id',
    recordType: 'secret',
    field: 'value',
  },
  {
    table: 'org_identity_providers',
    column: 'client_secret_ciphertext',
    versionColumn: 'key_version',
    idColumn: 'org_id',
    orgColumn: 'org_id',
    recordType: 'identity_provider',
    field: 'client_secret',
  },
  {
    table: 'project_signing_keys',
    column: 'private_key_ciphertext',
    versionColumn: 'key_version',
    idColumn: 'id',
    orgColumn: 'org_id',
    recordType: 'project_signing_key',
    field: 'private_key',
  },
  // The activity log (src/activity): a run's message, bound to the run; a detail line, bound to
  // its own id (a run has many).
  {
    table: 'activity_log',
    column: 'message_ciphertext',
    versionColumn: 'key_version',
    idColumn: 'run_id',
    orgColumn: 'org_id',
    recordType: 'activity',
    field: 'message',
  },
  {
    table: 'activity_details',
    column: 'text_ciphertext',
    versionColumn: 'key_version',
    idColumn: 'id',
    orgColumn: 'org_id',
    recordType: 'activity_detail',
    field: 'text',
  },
  // The file service (src/files): the random key an S3 object is encrypted with, wrapped per
  // environment's row. Rotation re-wraps it; the object itself is not rewritten.
  {
    table: 'project_files',
    column: 'data_key_ciphertext',
    versionColumn: 'key_version',
    idColumn: 'id',
    orgColumn: 'org_id',
    recordType: 'project_file',
    field: 'data_key',
  },
];

export function bindingFor(column: EncryptedColumn, orgId: string, recordId: string): FieldBinding {
  return { orgId, recordType: column.recordType, recordId, field: column.field };
}

export function encryptedColumn(table: string, column: string): EncryptedColumn {
  const found = ENCRYPTED_COLUMNS.find((c) => c.table === table && c.column === column);
  if (found === undefined)
    throw new Error(`${table}.${column} is not a registered encrypted column`);
  return found;
}
