import { createHash } from 'node:crypto';
import type { ConnectorContext } from '../../contract.js';
import { ConnectorError } from '../../errors.js';
import type { HttpClient } from '../../http/client.js';
import { resolveSecret } from '../../secrets.js';
import type { HttpAuth } from './config.js';
import { expectSuccess, sendWithRetry, type RetryPolicy } from './retry.js';

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

// Renew a little early so a token does not expire between the check and the request.
const EXPIRY_MARGIN_MS = 30_000;

/** OAuth2 access tokens, kept until they expire; keyed by a hash so no secret is a map key. */
export class TokenCache {
  readonly #tokens = new Map<string, CachedToken>();
  constructor(private readonly now: () => number = Date.now) {}
  get(key: string): string | undefined {
    const cached = this.#tokens.get(key);
    if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > this.now()) return cached.token;
    this.#tokens.delete(key);
    return undefined;
  }
  set(key: string, token: string, expiresInSeconds: number | undefined): void {
    // Without expires_in, keep the token for an hour at most (a 401 also evicts it).
    this.#tokens.set(key, { token, expiresAt: this.now() + (expiresInSeconds ?? 3600) * 1000 });
  }
  delete(key: string): void {
    this.#tokens.delete(key);
  }
}

export interface AuthSession {
  /** The Authorization header value, or undefined for auth 'none'. */
  header(): Promise<string | undefined>;
  /** Called on a 401: drops a cached OAuth2 token; true when a retry with a new token may help. */
  invalidate(): boolean;
}

export function createAuthSession(
  auth: HttpAuth,
  ctx: ConnectorContext,
  http: HttpClient,
  cache: TokenCache,
  retries: RetryPolicy,
): AuthSession {
  switch (auth.kind) {
    case 'none':
      return { header: async () => undefined, invalidate: () => false };
    case 'basic': {
      const user = resolveSecret(auth.username, ctx, 'auth.username');
      const password = resolveSecret(auth.password, ctx, 'auth.password');
      const value = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      return { header: async () => value, invalidate: () => false };
    }
    case 'bearer': {
      const value = `Bearer ${resolveSecret(auth.token, ctx, 'auth.token')}`;
      return { header: async () => value, invalidate: () => false };
    }
    case 'oauth2-client-credentials': {
      const clientId = resolveSecret(auth.clientId, ctx, 'auth.clientId');
      const clientSecret = resolveSecret(auth.clientSecret, ctx, 'auth.clientSecret');
      const key = createHash('sha256')
        .update(JSON.stringify([auth.tokenUrl, clientId, clientSecret, auth.scope ?? '']))
        .digest('hex');
      return {
        async header() {
          const cached = cache.get(key);
          if (cached) return `Bearer ${cached}`;
          const form = new URLSearchParams({ grant_type: 'client_credentials' });
          if (auth.scope) form.set('scope', auth.scope);
          const headers: Record<string, string> = {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          };
          if (auth.clientAuth === 'body') {
            form.set('client_id', clientId);
            form.set('client_secret', clientSecret);
          } else {
            const basic = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
            headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
          }
          const response = await sendWithRetry(
            http,
            {
              url: auth.tokenUrl,
              method: 'POST',
              headers,
              body: form.toString(),
              signal: ctx.signal,
            },
            retries,
            ctx.logger,
          );
          if (response.status === 400 || response.status === 401) {
            throw new ConnectorError(
              'auth_failed',
              `the token endpoint refused the client credentials (${response.status})`,
            );
          }
          const payload = expectSuccess(response, 'POST').json() as {
            access_token?: unknown;
            expires_in?: unknown;
          };
          if (typeof payload.access_token !== 'string' || payload.access_token === '') {
            throw new ConnectorError('auth_failed', 'the token endpoint returned no access_token');
          }
          const expiresIn = typeof payload.expires_in === 'number' ? payload.expires_in : undefined;
          cache.set(key, payload.access_token, expiresIn);
          return `Bearer ${payload.access_token}`;
        },
        invalidate() {
          cache.delete(key);
          return true;
        },
      };
    }
  }
}
