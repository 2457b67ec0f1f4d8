import {
  BadRequestException,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { Actor, type RequestActor } from '../http/request-actor.js';
import { RunError, Runs, type RunStatus, type RunView } from './runs.js';

/** The one place RunError becomes HTTP; a new code fails to compile until it is mapped here. */
function toHttp(error: RunError): HttpException {
  const body = { code: error.code, message: error.message };
  switch (error.code) {
    case 'NOT_FOUND':
      return new NotFoundException(body);
    case 'RUN_FINISHED':
    case 'RUN_NOT_RETRYABLE':
      return new ConflictException(body);
    case 'VALIDATION_FAILED':
      return new BadRequestException(body);
  }
}

async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw RunError.is(error) ? toHttp(error) : error;
  }
}

/**
 * An environment's operation runs: what happened to one (View Logs), and stopping or retrying
 * one (Execute).
 */
@ApiTags('runs')
@Controller(apiV1('environments/:environmentId/runs'))
export class RunsController {
  constructor(@Inject(Runs) private readonly runs: Runs) {}

  @Get(':runId')
  @RequireAction('activity.read')
  @ApiOperation({
    summary: 'A run: status, agent, attempts, records read/written/failed, and its hand-overs',
  })
  get(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('runId') runId: string,
  ): Promise<RunView> {
    return answer(() => this.runs.get(orgId, environmentId, runId));
  }

  @Post(':runId/cancel')
  @HttpCode(202)
  @RequireAction('run.cancel')
  @ApiOperation({
    summary:
      'Cancel a pending (at once) or running run (its agent stops at its next report); 409 RUN_FINISHED once it ended',
  })
  cancel(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('runId') runId: string,
  ): Promise<{ status: RunStatus }> {
    return answer(() => this.runs.cancel(orgId, environmentId, runId, actor));
  }

  @Post(':runId/retry')
  @HttpCode(202)
  @RequireAction('run.retry')
  @ApiOperation({
    summary:
      'Run a failed or cancelled run again: a new run of the same operation, group and project revision, retryOf naming this one; 409 RUN_NOT_RETRYABLE otherwise',
  })
  retry(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('runId') runId: string,
  ): Promise<{ runId: string }> {
    return answer(() => this.runs.retry(orgId, environmentId, runId, actor));
  }
}
