import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentIdentity } from '@weft/messaging';
import { RequireAction } from '@weft/server-kit';
import type { AgentRequest, AccessClaims } from './agent-authentication.js';
import { agentOf, eventAddress as where, leaseOf, refusal } from './agent-http.js';
import { AgentIdentities } from './agent-identities.js';
import {
  ChallengeRequest,
  CompleteRequest,
  EnrolRequest,
  HeartbeatRequest,
  LeaseRequest,
  ProgressRequest,
  TokenRequest,
  WorkRequest,
} from './agent-requests.js';
import { ControlPlaneClient } from './control-plane-client.js';
import { GatewayError } from './gateway-error.js';
import { RunDispatch, type LeaseClaims, type RunAssignment } from './run-dispatch.js';
import { SignedTokens } from './signed-tokens.js';

/** The text an agent signs to get an access token: the challenge, under a fixed label. */
export const TOKEN_SIGNING_LABEL = 'weft-agent-token-v1:';
const CHALLENGE_LIFETIME_MS = 60_000;
const ACCESS_TOKEN_LIFETIME_MS = 5 * 60_000;

interface ChallengeClaims {
  exp: number;
  a: string;
  n: string;
}

interface ClosableResponse {
  on(event: 'close', listener: () => void): void;
  status(code: number): ClosableResponse;
  writableEnded: boolean;
}

async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!GatewayError.is(error)) throw error;
    if (error.code === 'CONTROL_PLANE_UNAVAILABLE') throw refusal(503, error.code, error.message);
    if (error.code === 'ENROLMENT_TOKEN_INVALID') throw refusal(401, error.code, error.message);
    if (error.code === 'AGENT_REVOKED' || error.code === 'NOT_FOUND') {
      throw refusal(
        401,
        'AGENT_REVOKED',
        'this agent is disabled, revoked or unknown; it is refused',
      );
    }
    throw refusal(400, error.code, error.message);
  }
}

/**
 * The agent protocol (docs/agent-protocol.md): enrolment, signed-challenge access tokens, the
 * heartbeat, long-polled work and run reports. Organization, environment and group always come
 * from the agent's identity and from leases this gateway signed — never from the request body.
 */
@ApiTags('agents')
@Controller('agent/v1')
export class AgentsController {
  constructor(
    @Inject(SignedTokens) private readonly tokens: SignedTokens,
    @Inject(ControlPlaneClient) private readonly controlPlane: ControlPlaneClient,
    @Inject(AgentIdentities) private readonly identities: AgentIdentities,
    @Inject(RunDispatch) private readonly dispatch: RunDispatch,
  ) {}

  @Post('enrol')
  @HttpCode(201)
  @RequireAction('agent.authenticate')
  @ApiOperation({ summary: 'Enrol with a one-time token and the agent’s Ed25519 public key' })
  enrol(@Body() body: EnrolRequest): Promise<Omit<AgentIdentity, 'publicKey'>> {
    return answer(async () => {
      // The registry keeps keys as base64url SPKI (@weft/crypto's form); agents may send either.
      const publicKey = Buffer.from(body.publicKey, 'base64').toString('base64url');
      const identity = await this.controlPlane.enrol({ ...body, publicKey });
      return {
        agentId: identity.agentId,
        orgId: identity.orgId,
        groupId: identity.groupId,
        environmentIds: identity.environmentIds,
        shared: identity.shared,
      };
    });
  }

  @Post('challenge')
  @HttpCode(200)
  @RequireAction('agent.authenticate')
  @ApiOperation({ summary: 'A challenge (60 s) for the agent to sign with its private key' })
  challenge(@Body() body: ChallengeRequest): { challenge: string; expiresAt: string } {
    const exp = Date.now() + CHALLENGE_LIFETIME_MS;
    const challenge = this.tokens.sign<ChallengeClaims>('challenge', {
      exp,
      a: body.agentId.toLowerCase(),
      n: randomBytes(16).toString('base64url'),
    });
    return { challenge, expiresAt: new Date(exp).toISOString() };
  }

  @Post('token')
  @HttpCode(200)
  @RequireAction('agent.authenticate')
  @ApiOperation({ summary: 'A 5-minute access token for a challenge signed with the agent’s key' })
  token(@Body() body: TokenRequest): Promise<{ accessToken: string; expiresAt: string }> {
    return answer(async () => {
      const agentId = body.agentId.toLowerCase();
      const claims = this.tokens.verify<ChallengeClaims>('challenge', body.challenge);
      if (claims === undefined || claims.a !== agentId) {
        throw refusal(
          401,
          'CHALLENGE_INVALID',
          'the challenge is not one this gateway issued for this agent, or it expired',
        );
      }
      // Always asked afresh: a token is never issued from a cached identity.
      const entry = await this.identities.refresh(agentId);
      if (entry.identity === undefined) throw entry.refusal!;
      if (!signatureValid(entry.identity.publicKey, body.challenge, body.signature)) {
        throw refusal(
          401,
          'SIGNATURE_INVALID',
          'the signature does not verify with the agent’s registered key',
        );
      }
      const exp = Date.now() + ACCESS_TOKEN_LIFETIME_MS;
      return {
        accessToken: this.tokens.sign<AccessClaims>('access', { exp, a: agentId }),
        expiresAt: new Date(exp).toISOString(),
      };
    });
  }

  @Post('heartbeat')
  @HttpCode(204)
  @RequireAction('agent.work')
  @ApiOperation({ summary: 'The agent is alive: version, host, runs in flight and capacity' })
  async heartbeat(@Req() request: AgentRequest, @Body() body: HeartbeatRequest): Promise<void> {
    const agent = agentOf(request);
    await answer(() => this.controlPlane.heartbeat({ agentId: agent.agentId, ...body }));
  }

  @Post('work')
  @HttpCode(200)
  @RequireAction('agent.work')
  @ApiOperation({
    summary: 'Long poll (≤ 25 s) for the next run of the agent’s group; 204 when none',
  })
  async work(
    @Req() request: AgentRequest,
    @Res({ passthrough: true }) response: ClosableResponse,
    @Body() body: WorkRequest,
  ): Promise<{ runs: RunAssignment[] } | undefined> {
    const agent = agentOf(request);
    const gone = new AbortController();
    response.on('close', () => {
      if (!response.writableEnded) gone.abort();
    });
    const runs = await this.dispatch.next(
      agent,
      (body.waitSeconds ?? 25) * 1000,
      gone.signal,
      body.max ?? 1,
    );
    if (runs.length === 0) {
      response.status(204);
      return undefined;
    }
    return { runs };
  }

  @Post('runs/started')
  @HttpCode(200)
  @RequireAction('agent.work')
  @ApiOperation({ summary: 'The agent began the run; answers whether it was cancelled' })
  async started(
    @Req() request: AgentRequest,
    @Body() body: LeaseRequest,
  ): Promise<{ cancelRequested: boolean }> {
    const lease = this.#lease(request, body.lease);
    this.dispatch.inProgress(lease);
    await this.dispatch.publishEvent(
      where(lease),
      'run.started',
      { runId: lease.r, agentId: lease.a, attempt: lease.n },
      `started:${lease.r}:${lease.n}`,
    );
    return { cancelRequested: await this.#cancelled(lease) };
  }

  @Post('runs/progress')
  @HttpCode(200)
  @RequireAction('agent.work')
  @ApiOperation({ summary: 'Counts so far; extends the lease; answers whether it was cancelled' })
  async progress(
    @Req() request: AgentRequest,
    @Body() body: ProgressRequest,
  ): Promise<{ cancelRequested: boolean }> {
    const lease = this.#lease(request, body.lease);
    this.dispatch.inProgress(lease);
    await this.dispatch.publishEvent(where(lease), 'run.progress', {
      runId: lease.r,
      agentId: lease.a,
      attempt: lease.n,
      records: body.records,
    });
    return { cancelRequested: await this.#cancelled(lease) };
  }

  @Post('runs/complete')
  @HttpCode(204)
  @RequireAction('agent.work')
  @ApiOperation({ summary: 'The run ended here: outcome and counts (recorded, then acknowledged)' })
  async complete(@Req() request: AgentRequest, @Body() body: CompleteRequest): Promise<void> {
    const lease = this.#lease(request, body.lease);
    await this.dispatch.publishEvent(
      where(lease),
      'run.finished',
      {
        runId: lease.r,
        agentId: lease.a,
        attempt: lease.n,
        status: body.status,
        records: body.records,
        ...(body.error !== undefined ? { error: body.error } : {}),
      },
      `finished:${lease.r}:${lease.n}`,
    );
    await this.dispatch.acknowledge(lease);
  }

  @Post('runs/release')
  @HttpCode(204)
  @RequireAction('agent.work')
  @ApiOperation({ summary: 'The agent is stopping: the run goes back to its group at once' })
  async release(@Req() request: AgentRequest, @Body() body: LeaseRequest): Promise<void> {
    const lease = this.#lease(request, body.lease);
    await this.dispatch.publishEvent(where(lease), 'run.released', {
      runId: lease.r,
      agentId: lease.a,
      attempt: lease.n,
    });
    this.dispatch.release(lease);
  }

  #lease(request: AgentRequest, token: string): LeaseClaims {
    return leaseOf(this.tokens, request, token);
  }

  async #cancelled(lease: LeaseClaims): Promise<boolean> {
    try {
      return (await this.controlPlane.runStatus(lease.o, lease.r)).cancelRequested;
    } catch {
      // Not knowing is not cancelling: the run goes on, and the next report asks again.
      return false;
    }
  }
}

function signatureValid(publicKey: string, challenge: string, signature: string): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.from(publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(
      null,
      Buffer.from(TOKEN_SIGNING_LABEL + challenge, 'utf8'),
      key,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}
