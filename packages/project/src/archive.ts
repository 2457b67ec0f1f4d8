// Signed project archives, for export and import between installations. What is signed is the
// canonical JSON (sorted keys, no whitespace) of { format, version, project, files }, so the
// signature holds whatever key order or spacing the archive travels with.
import { createHash } from 'node:crypto';
import { ProjectError, projectError, type ProjectProblem } from './errors.js';
import { canonicalJson, checkJsonData, isPlainObject } from './internal/json.js';
import { Problems, child, item } from './internal/problems.js';
import type { ProjectDocument } from './types.js';
import { validateProject } from './validate.js';

export const PROJECT_ARCHIVE_FORMAT = 'weft-project-archive';
export const MAX_ARCHIVE_BYTES = 10 * 1024 * 1024;
const ENVELOPE_FIELDS = ['format', 'version', 'project', 'files', 'signature'];
const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_FILES = 500;

export interface ArchiveSignature {
  readonly keyId: string;
  /** The signature over the bytes, in the signer's own text encoding (base64url for Ed25519). */
  readonly signature: string;
}

export interface CreateProjectArchiveOptions {
  sign(bytes: Uint8Array): ArchiveSignature;
  /** Content of the `file:` interfaces' files by sha256 hex: each is carried in the archive. */
  readonly files?: ReadonlyMap<string, string>;
}

export interface ReadProjectArchiveOptions {
  /** True when `signature` is `keyId`'s valid signature of `bytes`; an exception counts as false. */
  verify(keyId: string, bytes: Uint8Array, signature: string): boolean;
  readonly connectorTypes?: readonly string[];
}

export interface ProjectArchive {
  readonly project: ProjectDocument;
  /** The files the archive carried, sha256 hex → text. */
  readonly files: ReadonlyMap<string, string>;
  /** The key that signed it. */
  readonly keyId: string;
}

interface ArchiveFile {
  readonly sha256: string;
  readonly base64: string;
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function signedBytes(project: unknown, files: readonly ArchiveFile[]): Uint8Array {
  return Buffer.from(
    canonicalJson({ format: PROJECT_ARCHIVE_FORMAT, version: 1, project, files }),
    'utf8',
  );
}

function invalidArchive(problems: readonly ProjectProblem[]): ProjectError {
  return projectError('invalid_archive', 'project archive', problems);
}

function fileShas(document: ProjectDocument): string[] {
  const shas = new Set<string>();
  for (const definition of Object.values(document.interfaces ?? {}))
    if (definition.file !== undefined) shas.add(definition.file.replace(/^sha256:/, ''));
  return [...shas].sort();
}

/**
 * A signed archive (JSON text) of a project and the files its interfaces name. The document is
 * validated first (a literal secret cannot be archived); throws ProjectError `invalid_project`,
 * `file_missing`, or `invalid_archive` when the result would pass MAX_ARCHIVE_BYTES.
 */
export function createProjectArchive(
  document: ProjectDocument,
  options: CreateProjectArchiveOptions,
): string {
  const project = validateProject(document, options.files ? { files: options.files } : {});
  const files: ArchiveFile[] = fileShas(project).map((sha) => {
    const text = options.files?.get(sha);
    if (text === undefined)
      throw new ProjectError('file_missing', `file sha256:${sha} of an interface was not given`);
    if (sha256(text) !== sha)
      throw invalidArchive([
        {
          path: `files.${sha}`,
          code: 'file_mismatch',
          message: 'content does not have this sha256',
        },
      ]);
    return { sha256: sha, base64: Buffer.from(text, 'utf8').toString('base64') };
  });
  const { keyId, signature } = options.sign(signedBytes(project, files));
  if (
    typeof keyId !== 'string' ||
    typeof signature !== 'string' ||
    keyId === '' ||
    signature === ''
  )
    throw new TypeError('sign() must return { keyId, signature } as non-empty strings');
  const archive = JSON.stringify({
    format: PROJECT_ARCHIVE_FORMAT,
    version: 1,
    project,
    files,
    signature: { keyId, value: signature },
  });
  const size = Buffer.byteLength(archive);
  if (size > MAX_ARCHIVE_BYTES)
    throw invalidArchive([
      {
        path: '',
        code: 'too_large',
        message: `would be ${size} bytes; at most ${MAX_ARCHIVE_BYTES} are allowed`,
      },
    ]);
  return archive;
}

function envelopeOf(
  input: Uint8Array | string,
  problems: Problems,
): Record<string, unknown> | undefined {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > MAX_ARCHIVE_BYTES) {
    problems.add('', 'too_large', `is ${size} bytes; at most ${MAX_ARCHIVE_BYTES} are read`);
    return undefined;
  }
  let text: string;
  try {
    text =
      typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    problems.add('', 'invalid_json', 'is not UTF-8 text');
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.add('', 'invalid_json', 'is not valid JSON');
    return undefined;
  }
  const data = checkJsonData(parsed);
  if (data)
    problems.add(data.path, data.kind === 'too_large' ? 'too_large' : 'invalid_type', data.message);
  else if (!isPlainObject(parsed)) problems.add('', 'invalid_type', 'must be a JSON object');
  return problems.size > 0 ? undefined : (parsed as Record<string, unknown>);
}

function filesOf(value: unknown, problems: Problems): ArchiveFile[] {
  if (!Array.isArray(value) || value.length > MAX_FILES) {
    problems.add(
      'files',
      'invalid_type',
      `must be a list of at most ${MAX_FILES} { sha256, base64 }`,
    );
    return [];
  }
  const seen = new Set<string>();
  return value.flatMap((entry: unknown, index): ArchiveFile[] => {
    const at = item('files', index);
    const keys = isPlainObject(entry) ? Object.keys(entry).sort().join(',') : '';
    const file = entry as Partial<ArchiveFile>;
    if (
      keys !== 'base64,sha256' ||
      typeof file.sha256 !== 'string' ||
      typeof file.base64 !== 'string' ||
      !SHA256_HEX.test(file.sha256)
    ) {
      problems.add(at, 'invalid_type', 'must be { sha256: <64 hex>, base64 }');
      return [];
    }
    if (seen.has(file.sha256)) problems.add(at, 'duplicate', 'repeats a file');
    seen.add(file.sha256);
    return [{ sha256: file.sha256, base64: file.base64 }];
  });
}

/**
 * Reads an archive made by createProjectArchive: size, envelope, signature (through `verify`),
 * each file against its sha256, then the project itself (validateProject, with the files).
 * Throws ProjectError `invalid_archive` (problems say why) or `invalid_project`.
 */
export function readProjectArchive(
  input: Uint8Array | string,
  options: ReadProjectArchiveOptions,
): ProjectArchive {
  const problems = new Problems();
  const envelope = envelopeOf(input, problems);
  if (!envelope) throw invalidArchive(problems.list);
  for (const key of Object.keys(envelope))
    if (!ENVELOPE_FIELDS.includes(key))
      problems.add(child('', key), 'unknown_field', 'is not a field of a project archive');
  if (envelope['format'] !== PROJECT_ARCHIVE_FORMAT)
    problems.add('format', 'invalid_value', `must be ${PROJECT_ARCHIVE_FORMAT}`);
  if (envelope['version'] !== 1) problems.add('version', 'invalid_value', 'must be 1');
  if (envelope['project'] === undefined) problems.add('project', 'required', 'is required');
  const files = filesOf(envelope['files'], problems);
  const signature = envelope['signature'];
  const keyId = isPlainObject(signature) ? signature['keyId'] : undefined;
  const value = isPlainObject(signature) ? signature['value'] : undefined;
  if (
    !isPlainObject(signature) ||
    Object.keys(signature).length !== 2 ||
    typeof keyId !== 'string' ||
    typeof value !== 'string' ||
    keyId.length === 0 ||
    keyId.length > 200
  )
    problems.add('signature', 'invalid_type', 'must be { keyId, value } with strings');
  if (problems.size > 0) throw invalidArchive(problems.list);

  let verified = false;
  try {
    verified =
      options.verify(keyId as string, signedBytes(envelope['project'], files), value as string) ===
      true;
  } catch {
    verified = false;
  }
  if (!verified)
    throw invalidArchive([
      {
        path: 'signature',
        code: 'signature_invalid',
        message: 'does not verify: the archive was changed or signed by an unknown key',
      },
    ]);

  const contents = new Map<string, string>();
  files.forEach((file, index) => {
    const bytes = Buffer.from(file.base64, 'base64');
    let text: string | undefined;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      text = undefined;
    }
    if (
      bytes.toString('base64') !== file.base64 ||
      text === undefined ||
      sha256(bytes) !== file.sha256
    )
      problems.add(
        item('files', index),
        'file_mismatch',
        'content is not UTF-8 text with this sha256',
      );
    else contents.set(file.sha256, text);
  });
  if (problems.size > 0) throw invalidArchive(problems.list);

  const project = validateProject(envelope['project'], {
    files: contents,
    ...(options.connectorTypes ? { connectorTypes: options.connectorTypes } : {}),
  });
  const used = new Set(fileShas(project));
  files.forEach((file, index) => {
    if (!used.has(file.sha256))
      problems.add(
        item('files', index),
        'unknown_file',
        'is not a file of any interface of the project',
      );
  });
  if (problems.size > 0) throw invalidArchive(problems.list);
  return { project, files: contents, keyId: keyId as string };
}
