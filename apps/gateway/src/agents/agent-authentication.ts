import type { Logger } from '@weft/log-schema';
import type { AgentIdentity } from '@weft/messaging';
import { resolvePrincipal, type Principal } from '@weft/rbac';
import type { AgentIdentities } from './agent-identities.js';
import { GatewayError } from './gateway-error.js';
import type { SignedTokens } from './signed-tokens.js';

export interface AccessClaims {
  exp: number;
  /** agent id */
  a: string;
}

/** What the authentication layer attaches to an agent's request. */
export interface AgentRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
  agent?: AgentIdentity;
}

interface Reply {
  status(code: number): Reply;
  json(body: unknown): void;
}

/**
 * Express middleware before every route: a valid access token becomes an agent principal and
 * the agent's current identity (from the control plane, at most 5 s old). No token, or an
 * invalid or expired one, leaves the request anonymous (the action guard answers 401 where an
 * agent is needed); a disabled or revoked agent is answered 401 AGENT_REVOKED here.
 */
export function authenticateAgents(
  tokens: SignedTokens,
  identities: AgentIdentities,
  logger: Logger,
) {
  return (request: AgentRequest, reply: Reply, next: (error?: unknown) => void): void => {
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return next();
    const claims = tokens.verify<AccessClaims>('access', header.slice('Bearer '.length).trim());
    if (claims === undefined || typeof claims.a !== 'string') return next();
    identities.get(claims.a).then(
      (identity) => {
        request.agent = identity;
        request.principal = resolvePrincipal({
          kind: 'agent',
          id: identity.agentId,
          orgId: identity.orgId,
        });
        next();
      },
      (error: unknown) => {
        if (GatewayError.is(error) && error.code !== 'CONTROL_PLANE_UNAVAILABLE') {
          reply.status(401).json({
            error: {
              code: 'AGENT_REVOKED',
              message: 'this agent is disabled, revoked or unknown; it is refused',
            },
          });
          return;
        }
        logger.warn('could not check an agent against the control plane', {
          error: error instanceof Error ? error.message : String(error),
        });
        reply.status(503).json({
          error: {
            code: 'CONTROL_PLANE_UNAVAILABLE',
            message: 'the control plane did not answer; try again shortly',
          },
        });
      },
    );
  };
}
