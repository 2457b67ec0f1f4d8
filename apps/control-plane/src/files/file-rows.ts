import type { FieldBinding } from '@weft/crypto';
import { isUuid } from '../database/ids.js';
import { selectRows } from '../database/sql.js';
import type { TenantTransaction } from '../database/tenant.js';
import { bindingFor, encryptedColumn } from '../keys/encrypted-columns.js';
import type { FileKind } from './file-kinds.js';
import { FilesError } from './files-error.js';

/** A file of an environment, as the API shows it (never its key, never a URL). */
export interface FileView {
  sha256: string;
  kind: FileKind;
  name: string;
  mediaType: string;
  size: number;
  createdBy: { type: string; id: string };
  createdAt: string;
}

export interface FileRow {
  id: string;
  sha256: string;
  kind: FileKind;
  name: string;
  media_type: string;
  size: number;
  data_key_ciphertext: string;
  created_by_kind: string;
  created_by: string;
  created_at: Date;
}

export const FILE_COLUMNS = `id, sha256, kind, name, media_type, size, data_key_ciphertext,
  created_by_kind, created_by, created_at`;

const DATA_KEY = encryptedColumn('project_files', 'data_key_ciphertext');

/** The wrapped object key is bound to its row: moved to another row or org, it does not open. */
export function dataKeyBinding(orgId: string, rowId: string): FieldBinding {
  return bindingFor(DATA_KEY, orgId, rowId);
}

/**
 * Serializes everything that creates or removes an organization's object for one content id
 * (uploads, promotions, deletes: exclusive) against pushes that name it (shared), for the rest
 * of the transaction.
 */
export async function lockFileObject(
  tx: TenantTransaction,
  sha256: string,
  mode: 'exclusive' | 'shared',
): Promise<void> {
  const lock = mode === 'exclusive' ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared';
  await tx.query(`SELECT ${lock}(hashtext($1))`, [`weft.project-file:${tx.orgId}:${sha256}`]);
}

export async function findFile(
  tx: TenantTransaction,
  environmentId: string,
  sha256: string,
): Promise<FileRow | undefined> {
  const [row] = await selectRows<FileRow>(
    tx,
    `SELECT ${FILE_COLUMNS} FROM project_files
     WHERE org_id = $1 AND environment_id = $2 AND sha256 = $3`,
    [tx.orgId, environmentId, sha256],
  );
  return row;
}

export async function assertEnvironment(
  tx: TenantTransaction,
  environmentId: string,
): Promise<void> {
  const rows = isUuid(environmentId)
    ? await selectRows<{ id: string }>(
        tx,
        `SELECT id FROM environments WHERE org_id = $1 AND id = $2`,
        [tx.orgId, environmentId],
      )
    : [];
  if (rows.length === 0) throw new FilesError('NOT_FOUND', 'no such environment');
}

export function toFileView(row: FileRow): FileView {
  return {
    sha256: row.sha256,
    kind: row.kind,
    name: row.name,
    mediaType: row.media_type,
    size: row.size,
    createdBy: { type: row.created_by_kind, id: row.created_by },
    createdAt: row.created_at.toISOString(),
  };
}
