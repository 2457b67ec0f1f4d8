import { randomBytes } from 'node:crypto';
import { safeEqual } from '@weft/crypto';
import type { DataSource } from 'typeorm';
import { changeRows } from '../../database/sql.js';
import { readCookie } from '../authentication.js';
import { tokenHash } from '../sessions.js';

/** Carries the sign-in's state handle in the browser that started it (login CSRF defence). */
export const SSO_STATE_COOKIE = 'weft_sso_state';
const STATE_TTL_SECONDS = 600;

/** What passport-openidconnect keeps between the redirect and the callback. */
interface LoginContext {
  nonce?: string;
  maxAge?: number;
  issued?: string | Date;
}

export interface StateRequest {
  params?: Record<string, string | undefined>;
  headers: Record<string, string | string[] | undefined>;
  ssoOrgId?: string;
  res?: { cookie(name: string, value: string, options: Record<string, unknown>): void };
}

type StoreCallback = (error: Error | null, handle?: string) => void;
type VerifyCallback = (
  error: Error | null,
  context?: LoginContext | false,
  info?: { message: string },
) => void;

/**
 * passport-openidconnect's state store, in PostgreSQL instead of a server-side web session
 * (Weft has none before sign-in): one row per sign-in in flight, kept as a digest of the state
 * handle, bound to the organization, used once, ten minutes at most. The handle also goes into
 * an HttpOnly cookie, and the callback must come from the browser holding it: an attacker
 * cannot send someone a callback link that signs them in as the attacker.
 */
export class LoginStateStore {
  constructor(
    private readonly db: DataSource,
    private readonly options: { secureCookies: boolean; cookiePath: string },
  ) {}

  store(
    request: StateRequest,
    context: LoginContext,
    _appState: unknown,
    _meta: unknown,
    done: StoreCallback,
  ): void {
    const orgId = request.ssoOrgId;
    if (orgId === undefined) return done(new Error('sign-in state without an organization'));
    const handle = randomBytes(32).toString('base64url');
    const state = {
      ...(context.nonce !== undefined ? { nonce: context.nonce } : {}),
      ...(context.maxAge !== undefined ? { maxAge: context.maxAge } : {}),
      ...(context.issued !== undefined ? { issued: new Date(context.issued).toISOString() } : {}),
    };
    this.db
      .query(
        `INSERT INTO oidc_login_states (handle_hash, org_id, state, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
        [tokenHash(handle), orgId, JSON.stringify(state), STATE_TTL_SECONDS],
      )
      .then(() =>
        this.db.query(`DELETE FROM oidc_login_states WHERE expires_at < now()`).then(() => {
          request.res?.cookie(SSO_STATE_COOKIE, handle, {
            httpOnly: true,
            secure: this.options.secureCookies,
            // Lax, not Strict: the callback is a top-level navigation from the provider's site.
            sameSite: 'lax',
            path: this.options.cookiePath,
            maxAge: STATE_TTL_SECONDS * 1000,
          });
          done(null, handle);
        }),
      )
      .catch((error: unknown) => done(error instanceof Error ? error : new Error(String(error))));
  }

  verify(request: StateRequest, handle: unknown, done: VerifyCallback): void {
    const refused = {
      message: 'the sign-in expired or was started in another browser; start again',
    };
    const cookie = readCookie(request.headers.cookie, SSO_STATE_COOKIE);
    const orgId = request.ssoOrgId;
    if (
      typeof handle !== 'string' ||
      !/^[A-Za-z0-9_-]{43}$/.test(handle) ||
      cookie === undefined ||
      orgId === undefined ||
      !safeEqual(tokenHash(cookie), tokenHash(handle))
    ) {
      return done(null, false, refused);
    }
    changeRows<{ state: { nonce?: string; maxAge?: number; issued?: string } }>(
      this.db,
      `DELETE FROM oidc_login_states
       WHERE handle_hash = $1 AND org_id = $2 AND expires_at > now() RETURNING state`,
      [tokenHash(handle), orgId],
    )
      .then(({ rows: [row] }) => {
        if (row === undefined) return done(null, false, refused);
        const { nonce, maxAge, issued } = row.state;
        done(null, {
          ...(nonce !== undefined ? { nonce } : {}),
          ...(maxAge !== undefined ? { maxAge } : {}),
          ...(issued !== undefined ? { issued: new Date(issued) } : {}),
        });
      })
      .catch((error: unknown) => done(error instanceof Error ? error : new Error(String(error))));
  }
}
