import { randomBytes } from 'node:crypto';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, openChunk, sealChunk } from '../internal/gcm.js';
import { CryptoError } from '../errors.js';
import {
  assertIdentifier,
  assertKeyVersion,
  decodeBase64UrlStrict,
  encodeParts,
} from './canonical.js';
import { DataKey, dataKeyMaterial } from './data-key.js';

/** Format tag of field ciphertexts; the first part of the string and of the AAD. */
export const FIELD_FORMAT = 'wft1';
/** Fields are secrets and messages; large objects go through streaming encryption. */
export const MAX_FIELD_PLAINTEXT_BYTES = 16 * 1024 * 1024;

/** Where a ciphertext lives. All four are authenticated; a copy anywhere else fails. */
export interface FieldBinding {
  readonly orgId: string;
  readonly recordType: string;
  readonly recordId: string;
  readonly field: string;
}

/** Finds the data key of a version; `undefined` (or a throw) when the version is unknown. */
export type DataKeyResolver = (
  version: number,
) => DataKey | undefined | Promise<DataKey | undefined>;

export interface ParsedFieldCiphertext {
  readonly keyVersion: number;
  readonly nonce: Buffer;
  readonly sealed: Buffer;
}

/**
 * AAD of a field ciphertext: length-prefixed (4-byte big-endian length, then UTF-8)
 * encoding of [format, orgId, keyVersion as decimal, recordType, recordId, field].
 */
export function fieldAad(keyVersion: number, binding: FieldBinding): Buffer {
  return encodeParts([
    FIELD_FORMAT,
    binding.orgId,
    String(keyVersion),
    binding.recordType,
    binding.recordId,
    binding.field,
  ]);
}

export function assertFieldBinding(binding: FieldBinding): void {
  if (typeof binding !== 'object' || binding === null) {
    throw new CryptoError('INVALID_INPUT', 'Field binding must be an object');
  }
  assertIdentifier(binding.orgId, 'Organization id');
  assertIdentifier(binding.recordType, 'Record type');
  assertIdentifier(binding.recordId, 'Record id');
  assertIdentifier(binding.field, 'Field name');
}

/**
 * Encrypts one field: `wft1.<keyVersion>.<base64url nonce>.<base64url ciphertext‖tag>`,
 * AES-256-GCM with a random 96-bit nonce. This function does not count invocations;
 * `Keyring.encrypt` does, and is what applications should call.
 */
export function encryptField(
  dataKey: DataKey,
  plaintext: string | Buffer,
  binding: FieldBinding,
): string {
  assertFieldBinding(binding);
  const key = usableKey(dataKey);
  if (typeof plaintext !== 'string' && !Buffer.isBuffer(plaintext)) {
    throw new CryptoError('INVALID_INPUT', 'Plaintext must be a string or a Buffer');
  }
  const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  if (bytes.length > MAX_FIELD_PLAINTEXT_BYTES) {
    throw new CryptoError(
      'INVALID_INPUT',
      `Field plaintext exceeds ${MAX_FIELD_PLAINTEXT_BYTES} bytes; use streaming encryption`,
    );
  }
  const nonce = randomBytes(GCM_NONCE_BYTES);
  const sealed = sealChunk(key, nonce, fieldAad(dataKey.version, binding), bytes);
  return [
    FIELD_FORMAT,
    String(dataKey.version),
    nonce.toString('base64url'),
    sealed.toString('base64url'),
  ].join('.');
}

/**
 * Parses the header of a field ciphertext without decrypting it. Throws
 * MALFORMED_CIPHERTEXT for anything that is not exactly one canonical `wft1` string.
 */
export function parseFieldCiphertext(ciphertext: string): ParsedFieldCiphertext {
  if (typeof ciphertext !== 'string') {
    throw new CryptoError('MALFORMED_CIPHERTEXT', 'Field ciphertext must be a string');
  }
  const parts = ciphertext.split('.');
  if (parts.length !== 4) {
    throw new CryptoError(
      'MALFORMED_CIPHERTEXT',
      'Field ciphertext must have 4 dot-separated parts',
    );
  }
  const [format, version, nonceText, sealedText] = parts as [string, string, string, string];
  if (format !== FIELD_FORMAT) {
    throw new CryptoError('MALFORMED_CIPHERTEXT', 'Field ciphertext has an unsupported format');
  }
  // Canonical decimal only: "01" or "+1" would otherwise name version 1 too.
  if (!/^[1-9][0-9]{0,9}$/.test(version)) {
    throw new CryptoError('MALFORMED_CIPHERTEXT', 'Field ciphertext has a malformed key version');
  }
  const keyVersion = Number(version);
  try {
    assertKeyVersion(keyVersion);
  } catch {
    throw new CryptoError('MALFORMED_CIPHERTEXT', 'Field ciphertext has a malformed key version');
  }
  const nonce = decodeBase64UrlStrict(nonceText);
  const sealed = decodeBase64UrlStrict(sealedText);
  if (!nonce || nonce.length !== GCM_NONCE_BYTES || !sealed || sealed.length < GCM_TAG_BYTES) {
    throw new CryptoError('MALFORMED_CIPHERTEXT', 'Field ciphertext has a malformed nonce or body');
  }
  return { keyVersion, nonce, sealed };
}

/** The org key version a field ciphertext was made under (for the re-encryption job). */
export function keyVersionOf(ciphertext: string): number {
  return parseFieldCiphertext(ciphertext).keyVersion;
}

/**
 * Decrypts one field. Errors: MALFORMED_CIPHERTEXT (unparseable), UNKNOWN_KEY_VERSION
 * (`keys` has no such version), DECRYPTION_FAILED (tampered, or moved to another org,
 * record, field or key version). No plaintext is ever returned without authentication.
 */
export async function decryptField(
  keys: DataKeyResolver,
  ciphertext: string,
  binding: FieldBinding,
): Promise<Buffer> {
  assertFieldBinding(binding);
  const parsed = parseFieldCiphertext(ciphertext);
  const dataKey = await keys(parsed.keyVersion);
  if (dataKey === undefined) {
    throw new CryptoError(
      'UNKNOWN_KEY_VERSION',
      `No data key version ${parsed.keyVersion} for this organization`,
    );
  }
  return openField(dataKey, parsed, binding);
}

/** Internal: decrypts a parsed ciphertext with the key of its version. */
export function openField(
  dataKey: DataKey,
  parsed: ParsedFieldCiphertext,
  binding: FieldBinding,
): Buffer {
  if (!(dataKey instanceof DataKey) || dataKey.version !== parsed.keyVersion) {
    throw new CryptoError(
      'INVALID_INPUT',
      `Key resolver must return the DataKey of version ${parsed.keyVersion}`,
    );
  }
  const key = usableKey(dataKey);
  return openChunk(
    key,
    parsed.nonce,
    fieldAad(parsed.keyVersion, binding),
    parsed.sealed,
    'Field ciphertext failed authentication (tampered, or moved to another organization, record, field or key version)',
  );
}

function usableKey(dataKey: DataKey): Buffer {
  const key = dataKey instanceof DataKey ? dataKeyMaterial(dataKey) : undefined;
  if (!key) {
    throw new CryptoError('INVALID_INPUT', 'Data key must be a live DataKey');
  }
  return key;
}
