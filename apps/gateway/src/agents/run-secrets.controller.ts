import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { SealedRunSecret } from '@weft/messaging';
import { RequireAction } from '@weft/server-kit';
import type { AgentRequest } from './agent-authentication.js';
import { leaseOf, refusal } from './agent-http.js';
import { RunSecretsRequest } from './agent-requests.js';
import { ControlPlaneClient } from './control-plane-client.js';
import { GatewayError } from './gateway-error.js';
import { SignedTokens } from './signed-tokens.js';

/** How the control plane's refusals reach the agent: the code as it is, under a fitting status. */
function statusOf(code: string): number {
  switch (code) {
    case 'CONTROL_PLANE_UNAVAILABLE':
      return 503;
    case 'RUN_NOT_RUNNING':
      return 409;
    case 'SECRET_NOT_FOUND':
      return 404;
    default:
      return 400;
  }
}

/**
 * A run's vault secrets, for the agent holding the run (docs/agent-protocol.md). The agent sends a
 * fresh public key; the control plane seals each value for it; the gateway relays what it cannot
 * read. Which organization, environment, run, agent and attempt are asked about comes from the
 * lease alone.
 */
@ApiTags('agents')
@Controller('agent/v1')
export class RunSecretsController {
  constructor(
    @Inject(SignedTokens) private readonly tokens: SignedTokens,
    @Inject(ControlPlaneClient) private readonly controlPlane: ControlPlaneClient,
  ) {}

  @Post('runs/secrets')
  @HttpCode(200)
  @RequireAction('agent.work')
  @ApiOperation({ summary: 'The run’s vault secrets, sealed for the agent’s one-time public key' })
  async secrets(
    @Req() request: AgentRequest,
    @Body() body: RunSecretsRequest,
  ): Promise<{ secrets: SealedRunSecret[] }> {
    const lease = leaseOf(this.tokens, request, body.lease);
    try {
      return await this.controlPlane.runSecrets({
        orgId: lease.o,
        environmentId: lease.e,
        runId: lease.r,
        agentId: lease.a,
        attempt: lease.n,
        publicKey: body.publicKey,
      });
    } catch (error) {
      if (!GatewayError.is(error)) throw error;
      throw refusal(statusOf(error.code), error.code, error.message);
    }
  }
}
