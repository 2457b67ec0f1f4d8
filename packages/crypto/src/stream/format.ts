import { createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { CryptoError } from '../errors.js';
import { GCM_KEY_BYTES, GCM_NONCE_BYTES } from '../internal/gcm.js';

/*
 * Wire format of an encrypted stream (all integers big-endian):
 *
 *   header  = magic "WEFTSTRM" (8) ‖ version u8 = 1 ‖ chunkSize u32 ‖ keyIdLength u8 ‖ keyId (UTF-8)
 *             ‖ salt (32)
 *   body    = chunk₀ ‖ chunk₁ ‖ … ‖ chunkₙ, each chunk = AES-256-GCM(ciphertext) ‖ tag (16)
 *
 * Every chunk but the last carries exactly `chunkSize` plaintext bytes; the last carries
 * 0…chunkSize and is sealed with the final flag set, so the end of the stream is authenticated
 * rather than inferred (STREAM, Hoang–Reyhanitabar–Rogaway–Vizár 2015).
 */
export const STREAM_MAGIC = Buffer.from('WEFTSTRM', 'ascii');
export const STREAM_FORMAT_VERSION = 1;
export const STREAM_SALT_BYTES = 32;
export const DEFAULT_STREAM_CHUNK_SIZE = 64 * 1024;
export const MIN_STREAM_CHUNK_SIZE = 256;
/** Also bounds what a hostile header can make the decryptor buffer. */
export const MAX_STREAM_CHUNK_SIZE = 16 * 1024 * 1024;
/** Chunks one stream subkey may seal; the 8-byte counter could count further, we do not. */
export const MAX_STREAM_CHUNKS = 2 ** 32;
export const MAX_KEY_ID_BYTES = 255;

const FIXED_HEADER_BYTES = STREAM_MAGIC.length + 1 + 4 + 1;
const SUBKEY_INFO = Buffer.from('weft stream v1', 'ascii');

export interface StreamHeader {
  readonly chunkSize: number;
  readonly keyId: string;
  readonly salt: Buffer;
}

export function encodeHeader(header: StreamHeader): Buffer {
  const keyId = Buffer.from(header.keyId, 'utf8');
  const fixed = Buffer.alloc(FIXED_HEADER_BYTES);
  STREAM_MAGIC.copy(fixed, 0);
  fixed.writeUInt8(STREAM_FORMAT_VERSION, STREAM_MAGIC.length);
  fixed.writeUInt32BE(header.chunkSize, STREAM_MAGIC.length + 1);
  fixed.writeUInt8(keyId.length, STREAM_MAGIC.length + 5);
  return Buffer.concat([fixed, keyId, header.salt]);
}

/**
 * Parses a header from the front of `bytes`. Returns undefined while more bytes are needed,
 * throws MALFORMED_CIPHERTEXT as soon as the bytes cannot be a version-1 header.
 */
export function parseHeader(bytes: Buffer): { header: StreamHeader; length: number } | undefined {
  const magicSeen = Math.min(bytes.length, STREAM_MAGIC.length);
  if (!bytes.subarray(0, magicSeen).equals(STREAM_MAGIC.subarray(0, magicSeen))) {
    throw malformed('Not a Weft encrypted stream');
  }
  if (bytes.length < FIXED_HEADER_BYTES) return undefined;
  if (bytes.readUInt8(STREAM_MAGIC.length) !== STREAM_FORMAT_VERSION) {
    throw malformed('Unsupported encrypted stream version');
  }
  const chunkSize = bytes.readUInt32BE(STREAM_MAGIC.length + 1);
  if (chunkSize < MIN_STREAM_CHUNK_SIZE || chunkSize > MAX_STREAM_CHUNK_SIZE) {
    throw malformed('Encrypted stream names an out-of-range chunk size');
  }
  const keyIdLength = bytes.readUInt8(STREAM_MAGIC.length + 5);
  if (keyIdLength === 0) throw malformed('Encrypted stream names no key');
  const length = FIXED_HEADER_BYTES + keyIdLength + STREAM_SALT_BYTES;
  if (bytes.length < length) return undefined;
  const keyIdBytes = bytes.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + keyIdLength);
  const keyId = keyIdBytes.toString('utf8');
  // Reject ids that do not survive a UTF-8 round trip: two byte strings must never name one key.
  if (!Buffer.from(keyId, 'utf8').equals(keyIdBytes)) throw malformed('Key id is not UTF-8');
  const salt = Buffer.from(bytes.subarray(length - STREAM_SALT_BYTES, length));
  return { header: { chunkSize, keyId, salt }, length };
}

/** Validates a key id for the header: opaque to this package, 1…255 UTF-8 bytes. */
export function checkKeyId(keyId: unknown): asserts keyId is string {
  const size = typeof keyId === 'string' ? Buffer.byteLength(keyId, 'utf8') : 0;
  if (size === 0 || size > MAX_KEY_ID_BYTES) {
    throw new CryptoError('INVALID_INPUT', 'Stream key id must be 1 to 255 UTF-8 bytes');
  }
}

export function checkDataKey(key: unknown): asserts key is Buffer {
  if (!Buffer.isBuffer(key) || key.length !== GCM_KEY_BYTES) {
    throw new CryptoError('INVALID_INPUT', 'Stream data key must be a 32-byte Buffer');
  }
}

/** What every chunk of one stream shares: its subkey and the digest its AAD binds. */
export interface StreamContext {
  readonly key: KeyObject;
  /** SHA-256(header) ‖ SHA-256(associated data) */
  readonly binding: Buffer;
}

/**
 * Per-stream subkey = HKDF-SHA-256(DEK, salt, "weft stream v1"). A fresh random salt per stream
 * gives each stream its own GCM key, so the deterministic counter nonces never repeat under a key
 * even though one DEK encrypts many streams.
 */
export function streamContext(
  dataKey: Buffer,
  header: Buffer,
  salt: Buffer,
  ad?: Buffer,
): StreamContext {
  const raw = Buffer.from(hkdfSync('sha256', dataKey, salt, SUBKEY_INFO, GCM_KEY_BYTES));
  const key = createSecretKey(raw);
  raw.fill(0);
  const binding = Buffer.concat([sha256(header), sha256(ad ?? Buffer.alloc(0))]);
  return { key, binding };
}

/** nonce = 4 zero bytes ‖ 8-byte big-endian chunk index. */
export function chunkNonce(index: number): Buffer {
  if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_STREAM_CHUNKS) {
    throw new CryptoError('KEY_EXHAUSTED', 'Stream reached its chunk limit; split the object');
  }
  const nonce = Buffer.alloc(GCM_NONCE_BYTES);
  nonce.writeUInt32BE(index, 8);
  return nonce;
}

/** AAD = binding ‖ index u64 ‖ final flag u8 — ties each chunk to its stream, place and role. */
export function chunkAad(binding: Buffer, index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(binding.length + 9);
  binding.copy(aad, 0);
  aad.writeUInt32BE(index, binding.length + 4);
  aad.writeUInt8(final ? 1 : 0, binding.length + 8);
  return aad;
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function malformed(message: string): CryptoError {
  return new CryptoError('MALFORMED_CIPHERTEXT', message);
}
