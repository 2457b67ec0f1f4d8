import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { CryptoError } from '../errors.js';

/** AES-256-GCM with the sizes SP 800-38D recommends: 96-bit nonces, full 128-bit tags. */
export const GCM_KEY_BYTES = 32;
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;

type ChunkKey = Buffer | KeyObject;

/** Encrypts one chunk; returns `ciphertext ‖ tag`. */
export function sealChunk(key: ChunkKey, nonce: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  checkNonce(nonce);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([body, tail, cipher.getAuthTag()]);
}

/**
 * Decrypts and authenticates one `ciphertext ‖ tag` chunk. The plaintext is returned only
 * after the tag verified; on any failure nothing of it leaves this function. `failure` is the
 * DECRYPTION_FAILED message, so each format can say what failed. Every AES-GCM seal and open
 * of the package (field ciphertexts, wrapped keys, stream chunks) goes through these two,
 * which the NIST vectors prove.
 */
export function openChunk(
  key: ChunkKey,
  nonce: Buffer,
  aad: Buffer,
  sealed: Buffer,
  failure = 'Encrypted chunk failed authentication',
): Buffer {
  checkNonce(nonce);
  if (sealed.length < GCM_TAG_BYTES) {
    throw new CryptoError('DECRYPTION_FAILED', failure);
  }
  const split = sealed.length - GCM_TAG_BYTES;
  // authTagLength pins the tag to 16 bytes: OpenSSL would otherwise accept a truncated tag.
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(split));
  const body = decipher.update(sealed.subarray(0, split));
  try {
    const tail = decipher.final();
    return tail.length === 0 ? body : Buffer.concat([body, tail]);
  } catch {
    // The unauthenticated bytes in `body` are dropped with this frame.
    body.fill(0);
    throw new CryptoError('DECRYPTION_FAILED', failure);
  }
}

function checkNonce(nonce: Buffer): void {
  if (!Buffer.isBuffer(nonce) || nonce.length !== GCM_NONCE_BYTES) {
    throw new CryptoError('INVALID_INPUT', 'AES-GCM chunk nonces are 12 bytes');
  }
}
