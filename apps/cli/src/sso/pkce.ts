import { createHash, randomBytes } from 'node:crypto';

/** A PKCE pair (RFC 7636): the verifier stays in this process, the challenge goes to the browser. */
export interface Pkce {
  /** 32 random bytes, base64url: 43 characters, 256 bits. */
  verifier: string;
  /** BASE64URL(SHA-256(verifier)): the S256 method. */
  challenge: string;
}

/** RFC 7636 §4.2, code_challenge_method S256. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256(verifier) };
}

/** The value the browser must bring back to the loopback listener (RFC 6749 §10.12). */
export function createState(): string {
  return randomBytes(24).toString('base64url');
}
