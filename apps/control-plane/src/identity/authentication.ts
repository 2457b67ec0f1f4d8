import { ForbiddenException } from '@nestjs/common';
import { safeEqual } from '@weft/crypto';
import type { Logger } from '@weft/log-schema';
import type { Principal } from '@weft/rbac';
import type { ApiKeys } from './api-keys.js';
import type { Principals, SessionRestriction } from './principals.js';
import { tokenHash, type ActiveSession, type Sessions } from './sessions.js';

export const SESSION_COOKIE = 'weft_session';
/** Readable by the web client, which echoes it in CSRF_HEADER (double submit). */
export const CSRF_COOKIE = 'weft_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthenticatedHttpRequest {
  method: string;
  ip?: string;
  path?: string;
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
  session?: ActiveSession;
  /** Set when the session's organization policy keeps it from acting there yet. */
  restriction?: SessionRestriction;
}

interface HttpResponse {
  status(code: number): { json(body: unknown): void };
}

/**
 * The request's signed-in session, for what only a person in a browser session may do (their
 * own password, second factor, invitations): an API key gets 403 naming the limit.
 */
export function requireSession(request: AuthenticatedHttpRequest, what: string): ActiveSession {
  if (request.session === undefined) {
    throw new ForbiddenException({
      code: 'FORBIDDEN',
      message: `${what} from a signed-in session, not with an API key`,
    });
  }
  return request.session;
}

/** Reads one cookie from a Cookie header (RFC 6265 pairs; the first of a name wins). */
export function readCookie(
  header: string | string[] | undefined,
  name: string,
): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const pair of header.split(';')) {
    const index = pair.indexOf('=');
    if (index > 0 && pair.slice(0, index).trim() === name) return pair.slice(index + 1).trim();
  }
  return undefined;
}

/**
 * Turns an API key (Authorization: Bearer) or a session cookie into the request's principal
 * before the action guard runs. No cookie,
 * or one naming no live session: the request stays anonymous (the guard then refuses anything
 * not public). A cookie-authenticated write must carry the session's CSRF token in
 * `x-csrf-token`; signing in is the one write that needs none (it has no session yet).
 */
export function authenticate(
  sessions: Sessions,
  apiKeys: ApiKeys,
  principals: Principals,
  logger: Logger,
  options: { signInPaths: readonly string[] },
) {
  return (
    request: AuthenticatedHttpRequest,
    response: HttpResponse,
    next: (error?: unknown) => void,
  ) => {
    void (async () => {
      // Scripts and CI: `Authorization: Bearer weft_…`. No cookie, so no CSRF to check.
      const authorization = request.headers.authorization;
      if (typeof authorization === 'string') {
        const bearer = /^Bearer (\S+)$/.exec(authorization)?.[1];
        const key =
          bearer === undefined ? undefined : await apiKeys.authenticate(bearer, request.ip);
        if (key === undefined) {
          response.status(401).json({
            error: {
              code: 'API_KEY_INVALID',
              message: 'the API key is unknown, revoked or expired',
            },
          });
          return;
        }
        request.principal = await principals.forApiKey(key.keyId, key.orgId, key.roleIds);
        return next();
      }
      const token = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (token === undefined) return next();
      const session = await sessions.authenticate(token);
      if (session === undefined) return next();
      const signingIn =
        request.method === 'POST' && options.signInPaths.includes(request.path ?? '');
      if (!SAFE_METHODS.has(request.method) && !signingIn) {
        const csrf = request.headers[CSRF_HEADER];
        if (typeof csrf !== 'string' || !safeEqual(tokenHash(csrf), session.csrfHash)) {
          response.status(403).json({
            error: {
              code: 'CSRF_TOKEN_INVALID',
              message: `a write with the session cookie needs the ${CSRF_HEADER} header given at sign-in`,
            },
          });
          return;
        }
      }
      request.session = session;
      const { principal, restriction } = await principals.forSession(session);
      request.principal = principal;
      if (restriction !== undefined) request.restriction = restriction;
      next();
    })().catch((error: unknown) => {
      // Answered here, in the API's one error shape: this middleware runs outside Nest, where
      // Express's own error page would otherwise answer (with a stack trace outside production).
      logger.error('authentication failed', { err: error });
      response.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
    });
  };
}
