import type { ServerResponse } from 'node:http';
import {
  Controller,
  Get,
  Headers,
  HttpException,
  HttpStatus,
  Inject,
  Param,
  Query,
  Res,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { ActivityDetailV1 } from '@weft/log-schema';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { refusal } from '../http/domain-errors.js';
import { Actor, type RequestActor } from '../http/request-actor.js';
import { ActivityError } from './activity-error.js';
import { parseListQuery, parseStreamQuery } from './activity-filters.js';
import { ActivityQuery, type ActivityPage } from './activity-query.js';
import { ActivityStreams } from './activity-streams.js';

/** The one place ActivityError becomes HTTP; a new code fails to compile until it is mapped here. */
function toHttp(error: ActivityError): HttpException {
  switch (error.code) {
    case 'ACTIVITY_FILTER_INVALID':
      return refusal(error, HttpStatus.BAD_REQUEST);
    case 'NOT_FOUND':
      return refusal(error, HttpStatus.NOT_FOUND);
    case 'ACTIVITY_STREAMS_EXCEEDED':
      return refusal(error, HttpStatus.TOO_MANY_REQUESTS);
  }
}

async function answer<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw ActivityError.is(error) ? toHttp(error) : error;
  }
}

/**
 * An environment's activity log (View Logs): runs newest first with filters and keyset pages,
 * the same as a server-sent events stream of changes, and a run's detail lines.
 */
@ApiTags('activity')
@Controller(apiV1('environments/:environmentId'))
export class ActivityController implements OnModuleDestroy {
  constructor(
    @Inject(ActivityQuery) private readonly activity: ActivityQuery,
    @Inject(ActivityStreams) private readonly streams: ActivityStreams,
  ) {}

  @Get('activity')
  @RequireAction('activity.read')
  @ApiOperation({
    summary:
      'Runs of the environment, newest first: filters project, operation, status (comma-separated), agent, from, to; limit 1–200 (50); cursor from nextCursor. 400 ACTIVITY_FILTER_INVALID names the parameter',
  })
  list(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Query() query: unknown,
  ): Promise<ActivityPage> {
    return answer(() =>
      this.activity.list(orgId, environmentId, parseListQuery(query as Record<string, unknown>)),
    );
  }

  @Get('activity/stream')
  @RequireAction('activity.read')
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      'Server-sent events: each change of a run as event "activity" (data: the record, id: resume point for Last-Event-ID); the list filters; a comment every 15 s',
  })
  async stream(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Query() query: unknown,
    @Headers('last-event-id') lastEventId: unknown,
    @Res() response: ServerResponse,
  ): Promise<void> {
    const { filters, after } = await answer(() =>
      parseStreamQuery(query as Record<string, unknown>, lastEventId),
    );
    const gone = new AbortController();
    response.on('close', () => gone.abort());
    await answer(() =>
      this.streams.open(
        {
          identity: `${orgId}:${actor.type}:${actor.id}`,
          orgId,
          environmentId,
          filters,
          ...(after === undefined ? {} : { after }),
          signal: gone.signal,
        },
        {
          begin: () => {
            response.writeHead(200, {
              'content-type': 'text/event-stream; charset=utf-8',
              'cache-control': 'no-cache, no-transform',
              connection: 'keep-alive',
              // Proxies such as nginx would otherwise hold events back in a buffer.
              'x-accel-buffering': 'no',
            });
            response.flushHeaders();
          },
          write: (chunk) => {
            if (!response.destroyed) response.write(chunk);
          },
          end: () => {
            if (!response.destroyed) response.end();
          },
          get buffered() {
            return response.writableLength;
          },
        },
      ),
    );
  }

  @Get('runs/:runId/details')
  @RequireAction('activity.read')
  @ApiOperation({
    summary: "A run's detail lines (operation log and step messages), kept 5 days by default",
  })
  details(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('runId') runId: string,
  ): Promise<{ items: ActivityDetailV1[] }> {
    return answer(() => this.activity.details(orgId, environmentId, runId));
  }

  /** Open streams would hold the HTTP server's close open: end them first. */
  async onModuleDestroy(): Promise<void> {
    await this.streams.closeAll();
  }
}
