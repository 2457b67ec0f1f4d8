import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** What a gateway signs: each kind under its own key, so one can never pass for another. */
export type TokenKind = 'challenge' | 'access' | 'lease';

const PREFIX: Record<TokenKind, string> = { challenge: 'wch1', access: 'wat1', lease: 'wls1' };
const MAX_TOKEN_LENGTH = 4096;

/**
 * Stateless, signed tokens: `<prefix>.<base64url JSON>.<base64url HMAC-SHA256>`. Every gateway
 * of an installation holds the same key, so any gateway verifies what another issued and none
 * keeps state. Each kind is signed with a key derived (HKDF) from the installation key for that
 * kind alone. Every token carries its expiry (`exp`, epoch milliseconds).
 */
export class SignedTokens {
  readonly #keys: Record<TokenKind, Buffer>;

  constructor(installationKey: Buffer) {
    if (installationKey.length < 32)
      throw new Error('the gateway token key must be at least 32 bytes');
    const derive = (kind: TokenKind) =>
      Buffer.from(hkdfSync('sha256', installationKey, 'weft-gateway', `token:${kind}`, 32));
    this.#keys = {
      challenge: derive('challenge'),
      access: derive('access'),
      lease: derive('lease'),
    };
  }

  sign<T extends { exp: number }>(kind: TokenKind, claims: T): string {
    const body = `${PREFIX[kind]}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${body}.${this.#mac(kind, body)}`;
  }

  /** The claims of a genuine, unexpired token of this kind; undefined for anything else. */
  verify<T extends { exp: number }>(
    kind: TokenKind,
    token: unknown,
    now = Date.now(),
  ): T | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX[kind]) return undefined;
    const expected = Buffer.from(this.#mac(kind, `${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: T;
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as T;
    } catch {
      return undefined;
    }
    if (typeof claims !== 'object' || claims === null || typeof claims.exp !== 'number')
      return undefined;
    return claims.exp > now ? claims : undefined;
  }

  #mac(kind: TokenKind, body: string): string {
    return createHmac('sha256', this.#keys[kind]).update(body).digest('base64url');
  }
}
