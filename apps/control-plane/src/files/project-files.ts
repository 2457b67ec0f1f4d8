import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { recordAudit, type AuditActor } from '../audit/audit-trail.js';
import { selectRows } from '../database/sql.js';
import { inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import type { OrgKeys } from '../keys/org-keys.js';
import { mediaTypeOf, parseSha256, type FileKind } from './file-kinds.js';
import {
  deleteFileObject,
  putFileObject,
  readFileBytes,
  readFileObject,
  type FileStorage,
} from './file-objects.js';
import {
  FILE_COLUMNS,
  assertEnvironment,
  dataKeyBinding,
  findFile,
  lockFileObject,
  toFileView,
  type FileRow,
  type FileView,
} from './file-rows.js';
import { FilesError } from './files-error.js';

/** The schema files one project may name, together: what validation and a run load. */
export const MAX_PROJECT_FILE_BYTES = 10 * 1024 * 1024;
const DATA_KEY_BYTES = 32;

export interface FileUpload {
  kind: FileKind;
  name: string;
  bytes: Buffer;
}

interface StoredFile extends FileUpload {
  sha256: string;
  mediaType: string;
}

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The file service of an environment: schemas and customizations, content-addressed (the id is
 * the sha256 of the bytes; the same bytes again are the same file), stored in S3 only through
 * the control plane. Each organization's object is encrypted under a random key of its own
 * (bound to organization and content); each environment's row holds that key wrapped with the
 * organization's data key. Nothing is ever reachable by a URL: downloads stream through here.
 */
export class ProjectFiles {
  constructor(
    private readonly db: DataSource,
    private readonly keys: OrgKeys,
    private readonly storage: FileStorage,
  ) {}

  /** Stores an upload; `created` is false when the environment already had these bytes. */
  async upload(
    orgId: OrgId,
    environmentId: string,
    upload: FileUpload,
    actor: AuditActor,
  ): Promise<{ file: FileView; created: boolean }> {
    const mediaType = await mediaTypeOf(upload.kind, upload.bytes);
    const file = { ...upload, mediaType, sha256: sha256Of(upload.bytes) };
    return inTenant(this.db, orgId, async (tx) => {
      await assertEnvironment(tx, environmentId);
      return this.#storeIn(tx, environmentId, file, actor);
    });
  }

  /**
   * Stores the schema files of an imported archive (sha256 → text; checked like uploads), named
   * after the interface that uses each.
   */
  async storeSchemas(
    orgId: OrgId,
    environmentId: string,
    files: ReadonlyArray<{ sha256: string; name: string; text: string }>,
    actor: AuditActor,
  ): Promise<void> {
    const checked: StoredFile[] = [];
    for (const { sha256, name, text } of files) {
      const bytes = Buffer.from(text, 'utf8');
      if (sha256Of(bytes) !== sha256) {
        throw new FilesError('FILE_INVALID', `file ${sha256} does not have that sha256`);
      }
      const mediaType = await mediaTypeOf('schema', bytes);
      checked.push({ kind: 'schema', name, bytes, sha256, mediaType });
    }
    checked.sort((a, b) => a.sha256.localeCompare(b.sha256));
    await inTenant(this.db, orgId, async (tx) => {
      await assertEnvironment(tx, environmentId);
      for (const file of checked) await this.#storeIn(tx, environmentId, file, actor);
    });
  }

  async list(orgId: OrgId, environmentId: string): Promise<FileView[]> {
    return inTenant(this.db, orgId, async (tx) => {
      await assertEnvironment(tx, environmentId);
      const rows = await selectRows<FileRow>(
        tx,
        `SELECT ${FILE_COLUMNS} FROM project_files WHERE org_id = $1 AND environment_id = $2
         ORDER BY name, created_at, sha256`,
        [orgId, environmentId],
      );
      return rows.map(toFileView);
    });
  }

  /** A file and its decrypted content, streamed from S3 (authenticated chunk by chunk). */
  async open(
    orgId: OrgId,
    environmentId: string,
    sha256: string,
  ): Promise<{ file: FileView; content: AsyncGenerator<Buffer, void, undefined> }> {
    const { row, dataKey } = await inTenant(this.db, orgId, async (tx) => {
      await assertEnvironment(tx, environmentId);
      const found = await findFile(tx, environmentId, parseSha256(sha256));
      if (found === undefined)
        throw new FilesError('NOT_FOUND', 'no such file in this environment');
      const key = await this.keys.decrypt(
        dataKeyBinding(orgId, found.id),
        found.data_key_ciphertext,
        tx,
      );
      return { row: found, dataKey: key };
    });
    return {
      file: toFileView(row),
      content: readFileObject(this.storage, orgId, row.sha256, dataKey, row.size),
    };
  }

  /** Deletes a file of the environment; refused while a stored project revision there names it. */
  async delete(
    orgId: OrgId,
    environmentId: string,
    sha256: string,
    actor: AuditActor,
  ): Promise<void> {
    await inTenant(this.db, orgId, async (tx) => {
      await assertEnvironment(tx, environmentId);
      await lockFileObject(tx, parseSha256(sha256), 'exclusive');
      const row = await findFile(tx, environmentId, sha256);
      if (row === undefined) throw new FilesError('NOT_FOUND', 'no such file in this environment');
      const users = await selectRows<{ name: string; revision: number }>(
        tx,
        `SELECT p.name, r.revision FROM project_revisions r JOIN projects p ON p.id = r.project_id
         WHERE p.org_id = $1 AND p.environment_id = $2
           AND jsonb_path_exists(r.document, '$.interfaces.*.file ? (@ == $file)',
                                 jsonb_build_object('file', $3::text))
         ORDER BY p.name, r.revision LIMIT 5`,
        [orgId, environmentId, `sha256:${sha256}`],
      );
      if (users.length > 0) {
        const named = users.map((u) => `${u.name} revision ${u.revision}`).join(', ');
        throw new FilesError(
          'FILE_IN_USE',
          `stored project revisions of this environment name the file (${named}${users.length === 5 ? ', …' : ''})`,
        );
      }
      await tx.query(`DELETE FROM project_files WHERE id = $1`, [row.id]);
      const [others] = await selectRows<{ n: number }>(
        tx,
        `SELECT count(*)::int AS n FROM project_files WHERE org_id = $1 AND sha256 = $2`,
        [orgId, sha256],
      );
      await this.#audit(tx, actor, environmentId, row, 'file.deleted');
      // Still under the object's lock, so no upload elsewhere re-creates it in between.
      if (others?.n === 0) await deleteFileObject(this.storage, orgId, sha256);
    });
  }

  /**
   * The text of the environment's schema files among `sha256s` (sha256 hex → text), for
   * validateProject and compileOperation; files the environment does not have are left out.
   */
  async schemaTextsIn(
    tx: TenantTransaction,
    environmentId: string,
    sha256s: readonly string[],
  ): Promise<Map<string, string>> {
    const texts = new Map<string, string>();
    if (sha256s.length === 0) return texts;
    const rows = await selectRows<FileRow>(
      tx,
      `SELECT ${FILE_COLUMNS} FROM project_files
       WHERE org_id = $1 AND environment_id = $2 AND kind = 'schema' AND sha256 = ANY($3::text[])
       ORDER BY sha256`,
      [tx.orgId, environmentId, [...sha256s]],
    );
    const total = rows.reduce((sum, row) => sum + row.size, 0);
    if (total > MAX_PROJECT_FILE_BYTES) {
      throw new FilesError(
        'FILE_TOO_LARGE',
        `the schema files the project names total ${total} bytes; at most ${MAX_PROJECT_FILE_BYTES} are allowed`,
      );
    }
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    for (const row of rows) {
      const dataKey = await this.keys.decrypt(
        dataKeyBinding(tx.orgId, row.id),
        row.data_key_ciphertext,
        tx,
      );
      const bytes = await readFileBytes(this.storage, tx.orgId, row.sha256, dataKey, row.size);
      texts.set(row.sha256, decoder.decode(bytes));
    }
    return texts;
  }

  /**
   * Holds the environment's schema files among `sha256s` until the transaction ends (a delete
   * waits, then sees the revision that names them) and returns those it does not have.
   */
  async holdIn(
    tx: TenantTransaction,
    environmentId: string,
    sha256s: readonly string[],
  ): Promise<string[]> {
    const wanted = [...new Set(sha256s)].sort();
    for (const sha256 of wanted) await lockFileObject(tx, sha256, 'shared');
    const rows = await selectRows<{ sha256: string }>(
      tx,
      `SELECT sha256 FROM project_files
       WHERE org_id = $1 AND environment_id = $2 AND kind = 'schema' AND sha256 = ANY($3::text[])`,
      [tx.orgId, environmentId, wanted],
    );
    const present = new Set(rows.map((row) => row.sha256));
    return wanted.filter((sha256) => !present.has(sha256));
  }

  /**
   * Gives `toEnvironmentId` the files of `fromEnvironmentId` among `sha256s` that it lacks (a
   * promotion carries the files its revision names): the same object, its key wrapped anew
   * for the new row.
   */
  async copyIn(
    tx: TenantTransaction,
    fromEnvironmentId: string,
    toEnvironmentId: string,
    sha256s: readonly string[],
    actor: AuditActor,
  ): Promise<void> {
    for (const sha256 of [...new Set(sha256s)].sort()) {
      await lockFileObject(tx, sha256, 'exclusive');
      if ((await findFile(tx, toEnvironmentId, sha256)) !== undefined) continue;
      const source = await findFile(tx, fromEnvironmentId, sha256);
      if (source === undefined) continue;
      const dataKey = await this.keys.decrypt(
        dataKeyBinding(tx.orgId, source.id),
        source.data_key_ciphertext,
        tx,
      );
      try {
        const file = {
          kind: source.kind,
          name: source.name,
          mediaType: source.media_type,
          sha256,
          size: source.size,
        };
        const row = await this.#insert(tx, toEnvironmentId, file, dataKey, actor);
        await this.#audit(tx, actor, toEnvironmentId, row, 'file.promoted');
      } finally {
        dataKey.fill(0);
      }
    }
  }

  async #storeIn(
    tx: TenantTransaction,
    environmentId: string,
    file: StoredFile,
    actor: AuditActor,
  ): Promise<{ file: FileView; created: boolean }> {
    await lockFileObject(tx, file.sha256, 'exclusive');
    const existing = await findFile(tx, environmentId, file.sha256);
    if (existing !== undefined) return { file: toFileView(existing), created: false };
    // Another environment of the organization may have the object already: share it.
    const [other] = await selectRows<{ id: string; data_key_ciphertext: string }>(
      tx,
      `SELECT id, data_key_ciphertext FROM project_files WHERE org_id = $1 AND sha256 = $2 LIMIT 1`,
      [tx.orgId, file.sha256],
    );
    const dataKey =
      other === undefined
        ? randomBytes(DATA_KEY_BYTES)
        : await this.keys.decrypt(
            dataKeyBinding(tx.orgId, other.id),
            other.data_key_ciphertext,
            tx,
          );
    try {
      if (other === undefined) {
        await putFileObject(this.storage, tx.orgId, file.sha256, dataKey, file.bytes);
      }
      try {
        const row = await this.#insert(
          tx,
          environmentId,
          { ...file, size: file.bytes.length },
          dataKey,
          actor,
        );
        await this.#audit(tx, actor, environmentId, row, 'file.uploaded');
        return { file: toFileView(row), created: true };
      } catch (error) {
        // The row is rolled back: so is the object this call made (still under its lock).
        if (other === undefined) {
          await deleteFileObject(this.storage, tx.orgId, file.sha256).catch(() => undefined);
        }
        throw error;
      }
    } finally {
      dataKey.fill(0);
    }
  }

  async #insert(
    tx: TenantTransaction,
    environmentId: string,
    file: { kind: FileKind; name: string; mediaType: string; sha256: string; size: number },
    dataKey: Buffer,
    actor: AuditActor,
  ): Promise<FileRow> {
    const id = randomUUID();
    const sealed = await this.keys.encrypt(tx, dataKeyBinding(tx.orgId, id), dataKey);
    const [row] = await selectRows<FileRow>(
      tx,
      `INSERT INTO project_files (id, org_id, environment_id, sha256, kind, name, media_type, size,
                                  data_key_ciphertext, key_version, created_by_kind, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${FILE_COLUMNS}`,
      [
        id,
        tx.orgId,
        environmentId,
        file.sha256,
        file.kind,
        file.name,
        file.mediaType,
        file.size,
        sealed.ciphertext,
        sealed.keyVersion,
        actor.type,
        actor.id,
      ],
    );
    if (row === undefined) throw new Error('file insert returned no row');
    return row;
  }

  async #audit(
    tx: TenantTransaction,
    actor: AuditActor,
    environmentId: string,
    row: FileRow,
    change: 'file.uploaded' | 'file.promoted' | 'file.deleted',
  ): Promise<void> {
    await recordAudit(tx, [
      {
        orgId: tx.orgId,
        actor,
        action: 'project.write',
        target: { type: 'project_file', id: row.sha256 },
        outcome: 'succeeded',
        environmentId,
        details: { change, kind: row.kind, name: row.name, size: row.size },
      },
    ]);
  }
}

/** What the projects service needs of the file service, inside its own transactions. */
export type ProjectFileAccess = Pick<
  ProjectFiles,
  'schemaTextsIn' | 'holdIn' | 'copyIn' | 'storeSchemas'
>;
