import { createHash } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireAction } from '@weft/server-kit';
import type { AgentRequest } from './agent-authentication.js';
import { eventAddress, leaseOf, refusal } from './agent-http.js';
import { OperationLogRequest } from './agent-requests.js';
import { RunDispatch } from './run-dispatch.js';
import { SignedTokens } from './signed-tokens.js';

/** Largest operation-log call: an agent's whole allowance for one run fits in one or two. */
export const MAX_OPERATION_LOG_BODY_BYTES = 64 * 1024;

/**
 * A batch of a run's operation log (what mappings and scripts wrote, and the agent's step lines),
 * relayed as one `run.log` event on the run's events subject, like run.progress. The control plane
 * keeps the lines (encrypted) with the run's activity.
 */
@ApiTags('agents')
@Controller('agent/v1')
export class OperationLogController {
  constructor(
    @Inject(SignedTokens) private readonly tokens: SignedTokens,
    @Inject(RunDispatch) private readonly dispatch: RunDispatch,
  ) {}

  @Post('runs/log')
  @HttpCode(204)
  @RequireAction('agent.work')
  @ApiOperation({
    summary: 'Operation log lines of a run (≤ 50 a call, ≤ 64 KiB); stored, then 204',
  })
  async log(@Req() request: AgentRequest, @Body() body: OperationLogRequest): Promise<void> {
    const lease = leaseOf(this.tokens, request, body.lease);
    const messages = body.messages.map(({ at, level, step, text }) => ({
      at,
      level,
      ...(step === undefined ? {} : { step }),
      text,
    }));
    const declared = Number(request.headers['content-length']);
    const measured = Buffer.byteLength(JSON.stringify({ lease: body.lease, messages }), 'utf8');
    if (Math.max(measured, Number.isFinite(declared) ? declared : 0) > MAX_OPERATION_LOG_BODY_BYTES)
      throw refusal(
        413,
        'PAYLOAD_TOO_LARGE',
        `an operation log call carries at most ${MAX_OPERATION_LOG_BODY_BYTES} bytes`,
      );
    // The same batch sent again (the agent retried after a lost answer) is stored once.
    const digest = createHash('sha256').update(JSON.stringify(messages)).digest('base64url');
    await this.dispatch.publishEvent(
      eventAddress(lease),
      'run.log',
      { runId: lease.r, agentId: lease.a, attempt: lease.n, messages },
      `log:${lease.r}:${lease.n}:${digest}`,
    );
  }
}
