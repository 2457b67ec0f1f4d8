import type { DataSource } from 'typeorm';
import { generateSigningKeyPair, sign, verify } from '@weft/crypto';
import {
  ProjectError,
  createProjectArchive,
  readProjectArchive,
  type ProjectArchive,
} from '@weft/project';
import { recordAudit, type AuditActor } from '../audit/audit-trail.js';
import { selectRows } from '../database/sql.js';
import { inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import { referencedFiles } from '../files/file-references.js';
import { FilesError } from '../files/files-error.js';
import type { ProjectFileAccess } from '../files/project-files.js';
import { bindingFor, encryptedColumn } from '../keys/encrypted-columns.js';
import type { OrgKeys } from '../keys/org-keys.js';
import { ProjectsError } from './projects-error.js';
import {
  findProject,
  findRevision,
  schemaFiles,
  type Projects,
  type PushResult,
} from './projects.js';

const PRIVATE_KEY = encryptedColumn('project_signing_keys', 'private_key_ciphertext');
/** Archives larger than this are refused before they are parsed. */
export const MAX_ARCHIVE_BYTES = 10 * 1024 * 1024;

/**
 * Export and import of one project revision as a signed archive. Each organization has an
 * Ed25519 signing key (made on first export, its private half encrypted with the organization's
 * data key); an import accepts only archives signed by one of the organization's own keys, so a
 * tampered archive, or one from elsewhere, is refused before anything is stored. A project
 * document never holds a secret value (credentials are references to variables), so there is
 * nothing to strip; the archive library refuses a document with a literal secret anyway.
 */
export class ProjectArchives {
  constructor(
    private readonly db: DataSource,
    private readonly keys: OrgKeys,
    private readonly projects: Projects,
    private readonly files: ProjectFileAccess,
  ) {}

  async export(
    orgId: OrgId,
    environmentId: string,
    projectId: string,
    revision: number,
    actor: AuditActor,
  ): Promise<Record<string, unknown>> {
    return inTenant(this.db, orgId, async (tx) => {
      const project = await findProject(tx, environmentId, projectId);
      const { document } = await findRevision(tx, projectId, revision);
      const key = await this.#signingKey(tx);
      const files = await schemaFiles(() =>
        this.files.schemaTextsIn(tx, environmentId, referencedFiles(document)),
      );
      const archive = createProjectArchive(document, {
        files,
        sign: (bytes: Uint8Array) => ({
          keyId: key.id,
          signature: sign(key.privateKey, Buffer.from(bytes)),
        }),
      });
      await recordAudit(tx, [
        {
          orgId,
          actor,
          action: 'project.read',
          target: { type: 'project', id: projectId },
          outcome: 'succeeded',
          environmentId,
          details: { change: 'exported', name: project.name, revision, keyId: key.id },
        },
      ]);
      return JSON.parse(archive) as Record<string, unknown>;
    });
  }

  async import(
    orgId: OrgId,
    environmentId: string,
    archive: unknown,
    actor: AuditActor,
  ): Promise<PushResult> {
    const text = typeof archive === 'string' ? archive : JSON.stringify(archive ?? null);
    if (Buffer.byteLength(text) > MAX_ARCHIVE_BYTES) {
      throw new ProjectsError(
        'ARCHIVE_INVALID',
        `archive: larger than ${MAX_ARCHIVE_BYTES} bytes`,
        undefined,
        'archive',
      );
    }
    const publicKeys = await inTenant(this.db, orgId, async (tx) => {
      const rows = await selectRows<{ id: string; public_key: string }>(
        tx,
        `SELECT id, public_key FROM project_signing_keys WHERE org_id = $1`,
        [orgId],
      );
      return new Map(rows.map((row) => [row.id, row.public_key]));
    });
    let signedByUs = false;
    let read: ReturnType<typeof readProjectArchive>;
    try {
      read = readProjectArchive(text, {
        verify: (keyId: string, bytes: Uint8Array, signature: string) => {
          const publicKey = publicKeys.get(keyId);
          signedByUs = publicKey !== undefined;
          return publicKey !== undefined && verify(publicKey, Buffer.from(bytes), signature);
        },
      });
    } catch (error) {
      if (!ProjectError.is(error)) throw error;
      const badSignature = error.problems.some((problem) => problem.code === 'signature_invalid');
      if (badSignature && !signedByUs) {
        throw new ProjectsError(
          'ARCHIVE_UNTRUSTED',
          'archive: not signed by a key of this organization (export it from this organization)',
        );
      }
      throw new ProjectsError(
        'ARCHIVE_INVALID',
        `archive: ${error.message}`,
        error.problems,
        'archive',
      );
    }
    await this.#storeFiles(orgId, environmentId, read, actor);
    return this.projects.push(orgId, environmentId, read.project, actor, { source: 'import' });
  }

  /** The archive's files become files of the environment, named after an interface using each. */
  async #storeFiles(
    orgId: OrgId,
    environmentId: string,
    read: ProjectArchive,
    actor: AuditActor,
  ): Promise<void> {
    const files = new Map<string, { sha256: string; name: string; text: string }>();
    for (const [name, definition] of Object.entries(read.project.interfaces ?? {})) {
      const sha256 = definition.file?.replace(/^sha256:/, '');
      const text = sha256 === undefined ? undefined : read.files.get(sha256);
      if (sha256 === undefined || text === undefined || files.has(sha256)) continue;
      const extension = definition.format === 'xsd' ? 'xsd' : 'schema.json';
      files.set(sha256, { sha256, name: `${name}.${extension}`, text });
    }
    if (files.size === 0) return;
    try {
      await this.files.storeSchemas(orgId, environmentId, [...files.values()], actor);
    } catch (error) {
      if (!FilesError.is(error)) throw error;
      if (error.code === 'NOT_FOUND') throw new ProjectsError('NOT_FOUND', error.message);
      throw new ProjectsError('ARCHIVE_INVALID', `archive: ${error.message}`, undefined, 'archive');
    }
  }

  /** The organization's current signing key, made (and stored encrypted) on first use. */
  async #signingKey(tx: TenantTransaction): Promise<{ id: string; privateKey: string }> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `weft.project-signing-key:${tx.orgId}`,
    ]);
    const [row] = await selectRows<{ id: string; private_key_ciphertext: string }>(
      tx,
      `SELECT id, private_key_ciphertext FROM project_signing_keys
       WHERE org_id = $1 AND retired_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      [tx.orgId],
    );
    if (row !== undefined) {
      const plain = await this.keys.decrypt(
        bindingFor(PRIVATE_KEY, tx.orgId, row.id),
        row.private_key_ciphertext,
        tx,
      );
      return { id: row.id, privateKey: plain.toString('utf8') };
    }
    const pair = generateSigningKeyPair();
    const [{ id }] = (await selectRows<{ id: string }>(tx, `SELECT gen_random_uuid() AS id`)) as [
      { id: string },
    ];
    const sealed = await this.keys.encrypt(
      tx,
      bindingFor(PRIVATE_KEY, tx.orgId, id),
      pair.privateKey,
    );
    await tx.query(
      `INSERT INTO project_signing_keys (id, org_id, public_key, private_key_ciphertext, key_version)
       VALUES ($1, $2, $3, $4, $5)`,
      [id, tx.orgId, pair.publicKey, sealed.ciphertext, sealed.keyVersion],
    );
    return { id, privateKey: pair.privateKey };
  }
}
