import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as signWithKey,
  verify as verifyWithKey,
  type KeyObject,
} from 'node:crypto';
import { CryptoError } from './errors.js';

/**
 * An Ed25519 key pair as storable text: `publicKey` is the DER SubjectPublicKeyInfo and
 * `privateKey` the DER PKCS #8 PrivateKeyInfo, each base64url without padding. One line
 * each, safe in JSON, headers and environment variables, and self-describing (the DER
 * names the algorithm), unlike a bare 32-byte key. `privateKey` is a secret: store it
 * encrypted or in a file only its owner can read, and never log it.
 */
export interface SigningKeyPair {
  publicKey: string;
  privateKey: string;
}

/** Ed25519 signatures are always 64 bytes (RFC 8032 §5.1.6). */
const SIGNATURE_BYTES = 64;

/** A fresh Ed25519 (FIPS 186-5) key pair from the CSPRNG. */
export function generateSigningKeyPair(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: exportPublicKey(publicKey),
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64url'),
  };
}

/**
 * Signs `message` (strings are taken as UTF-8) with an Ed25519 private key from
 * `generateSigningKeyPair`. Returns the 64-byte signature, base64url without padding.
 * Ed25519 is deterministic: the same key and message always give the same signature.
 */
export function sign(privateKey: string, message: Buffer | string): string {
  const key = parsePrivateKey(privateKey);
  if (!isBytes(message)) {
    throw new CryptoError('INVALID_INPUT', 'The message to sign must be a string or a Buffer');
  }
  return signWithKey(null, toBytes(message), key).toString('base64url');
}

/**
 * Whether `signature` is a valid Ed25519 signature of `message` under `publicKey`.
 * A malformed key is a configuration error and throws `INVALID_INPUT`; a malformed message
 * or signature is what an attacker sends, so it is simply `false`.
 */
export function verify(publicKey: string, message: Buffer | string, signature: string): boolean {
  const key = parsePublicKey(publicKey);
  if (!isBytes(message) || typeof signature !== 'string') {
    return false;
  }
  const signatureBytes = decodeBase64Url(signature);
  if (signatureBytes?.length !== SIGNATURE_BYTES) {
    return false;
  }
  try {
    return verifyWithKey(null, toBytes(message), key, signatureBytes);
  } catch {
    return false;
  }
}

/**
 * SHA-256 of the public key's DER SubjectPublicKeyInfo, base64url without padding
 * (43 characters): a short, stable name for an agent's key in logs and the audit trail.
 * The key is re-encoded first, so the fingerprint depends on the key, not its spelling.
 */
export function publicKeyFingerprint(publicKey: string): string {
  const canonical = Buffer.from(exportPublicKey(parsePublicKey(publicKey)), 'base64url');
  return createHash('sha256').update(canonical).digest('base64url');
}

function exportPublicKey(key: KeyObject): string {
  return key.export({ format: 'der', type: 'spki' }).toString('base64url');
}

function parsePublicKey(text: unknown): KeyObject {
  const der = typeof text === 'string' ? decodeBase64Url(text) : undefined;
  let key: KeyObject | undefined;
  if (der !== undefined && der.length > 0) {
    try {
      key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    } catch {
      key = undefined;
    }
  }
  if (key?.asymmetricKeyType !== 'ed25519') {
    throw new CryptoError(
      'INVALID_INPUT',
      'Public key must be an Ed25519 SubjectPublicKeyInfo, DER, base64url',
    );
  }
  return key;
}

function parsePrivateKey(text: unknown): KeyObject {
  const der = typeof text === 'string' ? decodeBase64Url(text) : undefined;
  let key: KeyObject | undefined;
  if (der !== undefined && der.length > 0) {
    try {
      key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      key = undefined;
    }
  }
  // The message never echoes the input: it may be a private key in the wrong format.
  if (key?.asymmetricKeyType !== 'ed25519') {
    throw new CryptoError(
      'INVALID_INPUT',
      'Private key must be an Ed25519 PKCS #8, DER, base64url',
    );
  }
  return key;
}

/**
 * Strict base64url: Node's decoder skips characters it does not know, so only text that
 * re-encodes to itself is accepted — one spelling per byte string.
 */
function decodeBase64Url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) {
    return undefined;
  }
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function isBytes(value: unknown): value is Buffer | string {
  return typeof value === 'string' || Buffer.isBuffer(value);
}

function toBytes(message: Buffer | string): Buffer {
  return typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
}
