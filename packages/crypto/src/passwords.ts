import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { CryptoError } from './errors.js';

const pbkdf2Async = promisify(pbkdf2);

/**
 * PBKDF2-HMAC-SHA-256 work factor: OWASP's figure for the FIPS-approved choice
 * (Password Storage Cheat Sheet). It is both the default and the floor for new hashes.
 */
export const PASSWORD_HASH_ITERATIONS = 600_000;

/** Stored hashes above this are refused: a tampered row must not pin a CPU for minutes. */
const MAX_ITERATIONS = 10_000_000;
const SCHEME = 'pbkdf2-sha256';
const SALT_BYTES = 16;
const MAX_SALT_BYTES = 64;
const HASH_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const DECIMAL = /^[1-9][0-9]{0,9}$/;

export interface PasswordHashOptions {
  /** PBKDF2 iterations for new hashes, and the target `verifyPassword` compares against. */
  iterations?: number;
}

export interface PasswordVerification {
  valid: boolean;
  /** The stored hash is weaker than the current target: re-hash the password while you have it. */
  needsRehash: boolean;
}

/**
 * Hashes a password for storage as `pbkdf2-sha256$<iterations>$<salt>$<hash>` (salt and
 * hash base64url). Runs on libuv's thread pool, so the event loop keeps serving requests.
 */
export async function hashPassword(
  password: string,
  options: PasswordHashOptions = {},
): Promise<string> {
  const iterations = resolveIterations(options);
  if (typeof password !== 'string' || password.length === 0) {
    throw new CryptoError('INVALID_INPUT', 'Password must be a non-empty string');
  }
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, iterations, HASH_BYTES);
  return [SCHEME, String(iterations), salt.toString('base64url'), hash.toString('base64url')].join(
    '$',
  );
}

/**
 * Checks a password against a stored hash in constant time. `needsRehash` is true when
 * the stored iteration count is below the target (`options.iterations`, default
 * PASSWORD_HASH_ITERATIONS). A malformed stored hash is an error, not a mismatch.
 */
export async function verifyPassword(
  password: string,
  encoded: string,
  options: PasswordHashOptions = {},
): Promise<PasswordVerification> {
  const target = resolveIterations(options);
  if (typeof password !== 'string') {
    throw new CryptoError('INVALID_INPUT', 'Password must be a string');
  }
  const stored = parsePasswordHash(encoded);
  const candidate = await derive(password, stored.salt, stored.iterations, stored.hash.length);
  return {
    valid: timingSafeEqual(candidate, stored.hash),
    needsRehash: stored.iterations < target,
  };
}

interface StoredPasswordHash {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

function parsePasswordHash(encoded: unknown): StoredPasswordHash {
  // Messages name the part that is wrong and never echo the stored value.
  const malformed = (reason: string) =>
    new CryptoError('MALFORMED_HASH', `Password hash is malformed: ${reason}`);
  if (typeof encoded !== 'string') throw malformed('not a string');
  const parts = encoded.split('$');
  if (parts.length !== 4) throw malformed('expected 4 "$"-separated parts');
  const [scheme, iterationsText, saltText, hashText] = parts as [string, string, string, string];
  if (scheme !== SCHEME) throw malformed('unsupported scheme');
  if (!DECIMAL.test(iterationsText)) throw malformed('iterations is not a positive integer');
  const iterations = Number(iterationsText);
  if (iterations > MAX_ITERATIONS) throw malformed('iterations out of range');
  const salt = decodeBase64Url(saltText);
  if (!salt || salt.length < SALT_BYTES || salt.length > MAX_SALT_BYTES) {
    throw malformed('invalid salt');
  }
  const hash = decodeBase64Url(hashText);
  if (!hash || hash.length !== HASH_BYTES) throw malformed('invalid hash');
  return { iterations, salt, hash };
}

/** Strict base64url: Buffer.from silently skips bad characters, so insist on the canonical form. */
function decodeBase64Url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function resolveIterations(options: PasswordHashOptions): number {
  const iterations = options.iterations ?? PASSWORD_HASH_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations > MAX_ITERATIONS) {
    throw new CryptoError(
      'INVALID_INPUT',
      `Iterations must be a whole number no greater than ${MAX_ITERATIONS}`,
    );
  }
  // No escape hatch for tests: a weak setting that exists will eventually reach production.
  if (iterations < PASSWORD_HASH_ITERATIONS) {
    throw new CryptoError(
      'WEAK_PARAMETERS',
      `Iterations must be at least ${PASSWORD_HASH_ITERATIONS}, got ${iterations}`,
    );
  }
  return iterations;
}

function derive(password: string, salt: Buffer, iterations: number, length: number) {
  // NFKC, as NIST SP 800-63B asks, so the same password typed on another keyboard or
  // OS (composed vs. decomposed accents) still matches.
  return pbkdf2Async(password.normalize('NFKC'), salt, iterations, length, 'sha256');
}
