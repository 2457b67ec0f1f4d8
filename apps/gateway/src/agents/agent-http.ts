import { HttpException, UnauthorizedException } from '@nestjs/common';
import type { AgentIdentity } from '@weft/messaging';
import type { AgentRequest } from './agent-authentication.js';
import { RunDispatch, type LeaseClaims } from './run-dispatch.js';
import type { SignedTokens } from './signed-tokens.js';

/** A refusal as the error filter writes it: `{ error: { code, message } }` with `status`. */
export function refusal(status: number, code: string, message: string): HttpException {
  return new HttpException({ code, message }, status);
}

/** The agent the access token named (set by the authentication middleware); 401 without one. */
export function agentOf(request: AgentRequest): AgentIdentity {
  if (request.agent === undefined) {
    throw new UnauthorizedException({
      code: 'UNAUTHENTICATED',
      message: 'an agent access token is required',
    });
  }
  return request.agent;
}

/**
 * The lease, if this gateway signed it for this very agent of this very group; 403 LEASE_INVALID
 * otherwise. Every run call checks its lease this way: what it names (organization, environment,
 * run, attempt) is then the only source of those values.
 */
export function leaseOf(tokens: SignedTokens, request: AgentRequest, token: string): LeaseClaims {
  const agent = agentOf(request);
  const lease = tokens.verify<LeaseClaims>('lease', token);
  if (
    lease === undefined ||
    lease.a !== agent.agentId ||
    lease.g !== agent.groupId ||
    (!agent.shared && lease.o !== agent.orgId) ||
    !RunDispatch.leaseFits(lease, agent)
  ) {
    throw refusal(403, 'LEASE_INVALID', 'the lease is not one this agent holds');
  }
  return lease;
}

/** Where a run's events go: its organization, environment and group, from the lease. */
export function eventAddress(lease: LeaseClaims) {
  return { orgId: lease.o, environmentId: lease.e, agentGroupId: lease.g };
}
