import { FilesError } from './files-error.js';
import { recogniseSchema } from './schema-formats.js';

/** What a file is for: a schema interfaces compile against, or a plugin / connector package. */
export type FileKind = 'schema' | 'customization';
export const FILE_KINDS: readonly FileKind[] = ['schema', 'customization'];

const MIB = 1024 * 1024;
/** The largest upload of each kind; a body over it is refused as it arrives (413). */
export const MAX_FILE_BYTES: Readonly<Record<FileKind, number>> = {
  schema: 5 * MIB,
  customization: 50 * MIB,
};

export const SHA256_HEX = /^[0-9a-f]{64}$/;
// Letters, digits, marks, space and . _ - ( ) +: no separators, controls or bidi overrides, so a
// name is safe in a listing and in Content-Disposition alike.
const FILE_NAME = /^[\p{L}\p{N}_][\p{L}\p{M}\p{N} ._()+-]{0,199}$/u;

export function parseFileKind(value: unknown): FileKind {
  if (typeof value === 'string' && (FILE_KINDS as readonly string[]).includes(value)) {
    return value as FileKind;
  }
  throw new FilesError('FILE_INVALID', 'kind must be schema or customization', 'kind');
}

export function parseFileName(value: unknown): string {
  if (typeof value !== 'string' || !FILE_NAME.test(value) || /[ .]$/.test(value)) {
    throw new FilesError(
      'FILE_INVALID',
      'name must be a file name of 1 to 200 letters, digits, spaces and . _ - ( ) +, starting with a letter, digit or _ and not ending with a space or a dot',
      'name',
    );
  }
  return value;
}

/** A content id from a path: lowercase sha256 hex; anything else names no file. */
export function parseSha256(value: unknown): string {
  if (typeof value === 'string' && SHA256_HEX.test(value)) return value;
  throw new FilesError('NOT_FOUND', 'no such file in this environment');
}

/**
 * Checks an upload against its kind and returns the media type it is served with: a schema
 * must be UTF-8 text and recognisably JSON Schema, XSD, WSDL or DTD; a customization is any
 * bytes (served as an attachment, never rendered).
 */
export async function mediaTypeOf(kind: FileKind, bytes: Buffer): Promise<string> {
  if (bytes.length === 0) throw new FilesError('FILE_INVALID', 'the file is empty', 'body');
  if (bytes.length > MAX_FILE_BYTES[kind]) {
    throw new FilesError(
      'FILE_TOO_LARGE',
      `a ${kind} may be at most ${MAX_FILE_BYTES[kind]} bytes`,
      'body',
    );
  }
  if (kind === 'schema') return (await recogniseSchema(bytes)).mediaType;
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'application/zip';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'application/gzip';
  return 'application/octet-stream';
}
