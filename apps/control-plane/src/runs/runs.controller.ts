import {
  BadRequestException,
  ConflictException,
  Controller,
  Get,
  HttpCode,
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

async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!RunError.is(error)) throw error;
    const body = { code: error.code, message: error.message };
    if (error.code === 'NOT_FOUND') throw new NotFoundException(body);
    if (error.code === 'RUN_FINISHED') throw new ConflictException(body);
    throw new BadRequestException(body);
  }
}

/** An environment's operation runs: what happened to one (View Logs), and stopping one (Execute). */
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
}
