import {
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
  randomBytes,
} from 'node:crypto';
import { CryptoError } from './errors.js';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, openChunk, sealChunk } from './internal/gcm.js';

/**
 * One value sealed for one recipient (an agent's per-run key): anyone holding the recipient's
 * public key can seal, only the holder of its private key can open, and only under the same
 * context. Every field is base64url without padding.
 */
export interface SealedValue {
  /** The sender's one-time X25519 public key, raw 32 bytes. */
  ephemeralPublicKey: string;
  /** The AES-256-GCM nonce, 12 random bytes. */
  nonce: string;
  /** The AES-256-GCM ciphertext with the 16-byte tag at its end. */
  ciphertext: string;
}

/** An X25519 key pair for receiving sealed values: the public half travels, the private never does. */
export interface SealingKeyPair {
  /** Raw 32 bytes, base64url without padding. */
  publicKey: string;
  /** Non-extractable in spirit: keep it in memory for as long as the values are needed, never log it. */
  privateKey: KeyObject;
}

/** The HKDF `info` prefix; the context follows it, so every context has its own key. */
const SEAL_INFO_PREFIX = 'weft run secret v1|';
/** Longest value sealForRecipient takes, in UTF-8 bytes (vault values are far smaller). */
export const MAX_SEALED_VALUE_BYTES = 1024 * 1024;
const MAX_CONTEXT_BYTES = 1024;
const X25519_KEY_BYTES = 32;
const AES_KEY_BYTES = 32;

/** A fresh X25519 key pair from the CSPRNG. */
export function generateSealingKeyPair(): SealingKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublicKey(publicKey), privateKey };
}

/**
 * Seals `value` for the holder of `recipientPublicKey` (raw 32 bytes, or their base64url):
 * a one-time X25519 key pair, ECDH with the recipient, HKDF-SHA-256 (empty salt, info
 * `weft run secret v1|<context>`) to a 32-byte key, AES-256-GCM with a random 12-byte nonce
 * and `context` as additional data. A bad key or argument throws INVALID_INPUT.
 */
export function sealForRecipient(
  value: string,
  recipientPublicKey: Uint8Array | string,
  context: string,
): SealedValue {
  if (typeof value !== 'string') {
    throw new CryptoError('INVALID_INPUT', 'The value to seal must be a string');
  }
  const plaintext = Buffer.from(value, 'utf8');
  if (plaintext.length > MAX_SEALED_VALUE_BYTES) {
    throw new CryptoError(
      'INVALID_INPUT',
      `The value to seal is larger than ${MAX_SEALED_VALUE_BYTES} bytes`,
    );
  }
  const aad = contextBytes(context);
  const recipient = importRecipientKey(recipientPublicKey);
  const ephemeral = generateKeyPairSync('x25519');
  const key = deriveKey(ephemeral.privateKey, recipient, context, () => {
    throw new CryptoError('INVALID_INPUT', 'The recipient public key is not a usable X25519 key');
  });
  const nonce = randomBytes(GCM_NONCE_BYTES);
  try {
    return {
      ephemeralPublicKey: rawPublicKey(ephemeral.publicKey),
      nonce: nonce.toString('base64url'),
      ciphertext: sealChunk(key, nonce, aad, plaintext).toString('base64url'),
    };
  } finally {
    key.fill(0);
  }
}

/**
 * Opens what sealForRecipient sealed for this private key under this context. Anything else —
 * a tampered or malformed field, another recipient's key, another context — throws SEAL_INVALID,
 * and nothing of the plaintext leaves this function. A private key that is not X25519 throws
 * INVALID_INPUT.
 */
export function openSealed(
  sealed: SealedValue,
  recipientPrivateKey: KeyObject,
  context: string,
): string {
  if (
    !(recipientPrivateKey instanceof KeyObject) ||
    recipientPrivateKey.type !== 'private' ||
    recipientPrivateKey.asymmetricKeyType !== 'x25519'
  ) {
    throw new CryptoError('INVALID_INPUT', 'The recipient private key must be an X25519 KeyObject');
  }
  const aad = contextBytes(context);
  const fields = sealedFields(sealed);
  let ephemeral: KeyObject;
  try {
    ephemeral = importRawPublicKey(fields.ephemeralPublicKey);
  } catch {
    throw invalidSeal();
  }
  const key = deriveKey(recipientPrivateKey, ephemeral, context, () => {
    throw invalidSeal();
  });
  let plaintext: Buffer;
  try {
    plaintext = openChunk(key, fields.nonce, aad, fields.ciphertext);
  } catch {
    throw invalidSeal();
  } finally {
    key.fill(0);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch {
    throw invalidSeal();
  } finally {
    plaintext.fill(0);
  }
}

function deriveKey(
  privateKey: KeyObject,
  publicKey: KeyObject,
  context: string,
  refuse: () => never,
): Buffer {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey });
  } catch {
    return refuse();
  }
  try {
    // A low-order public key makes the shared secret all zeros, known to everyone (RFC 7748 §6.1).
    if (shared.every((byte) => byte === 0)) refuse();
    return Buffer.from(
      hkdfSync('sha256', shared, Buffer.alloc(0), SEAL_INFO_PREFIX + context, AES_KEY_BYTES),
    );
  } finally {
    shared.fill(0);
  }
}

function sealedFields(sealed: unknown): {
  ephemeralPublicKey: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
} {
  if (typeof sealed !== 'object' || sealed === null) throw invalidSeal();
  const { ephemeralPublicKey, nonce, ciphertext } = sealed as Record<string, unknown>;
  const fields = {
    ephemeralPublicKey: decodeBase64Url(ephemeralPublicKey),
    nonce: decodeBase64Url(nonce),
    ciphertext: decodeBase64Url(ciphertext),
  };
  if (
    fields.ephemeralPublicKey?.length !== X25519_KEY_BYTES ||
    fields.nonce?.length !== GCM_NONCE_BYTES ||
    fields.ciphertext === undefined ||
    fields.ciphertext.length < GCM_TAG_BYTES
  ) {
    throw invalidSeal();
  }
  return fields as { ephemeralPublicKey: Buffer; nonce: Buffer; ciphertext: Buffer };
}

function importRecipientKey(key: unknown): KeyObject {
  const raw =
    typeof key === 'string' ? decodeBase64Url(key) : key instanceof Uint8Array ? key : undefined;
  if (raw?.length === X25519_KEY_BYTES) {
    try {
      return importRawPublicKey(raw);
    } catch {
      // refused below
    }
  }
  throw new CryptoError(
    'INVALID_INPUT',
    'The recipient public key must be a raw 32-byte X25519 key (bytes or base64url)',
  );
}

function importRawPublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

function rawPublicKey(key: KeyObject): string {
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new CryptoError('INVALID_INPUT', 'Not an X25519 public key');
  return x;
}

function contextBytes(context: unknown): Buffer {
  if (typeof context !== 'string' || context === '') {
    throw new CryptoError('INVALID_INPUT', 'The sealing context must be a non-empty string');
  }
  const bytes = Buffer.from(context, 'utf8');
  if (bytes.length > MAX_CONTEXT_BYTES) {
    throw new CryptoError(
      'INVALID_INPUT',
      `The sealing context is longer than ${MAX_CONTEXT_BYTES} bytes`,
    );
  }
  return bytes;
}

/** Strict base64url (one spelling per byte string), as signatures.ts reads it. */
function decodeBase64Url(text: unknown): Buffer | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function invalidSeal(): CryptoError {
  return new CryptoError(
    'SEAL_INVALID',
    'The sealed value cannot be opened: it was altered, sealed for another key, or for another context',
  );
}
