import {
  BadRequestException,
  Body,
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
import { IsString, Length, Matches } from 'class-validator';
import { apiV1 } from '../http/api-path.js';
import { Actor, type RequestActor } from '../http/request-actor.js';
import {
  AgentError,
  AgentRegistry,
  type AgentGroupView,
  type AgentView,
} from './agent-registry.js';

/** `POST /api/v1/environments/:environmentId/agent-groups`. */
export class AgentGroupRequest {
  @IsString()
  @Length(1, 100)
  @Matches(/^[^\p{Cc}]+$/u, { message: 'name must not contain control characters' })
  name!: string;
}

async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!AgentError.is(error)) throw error;
    const body = { code: error.code, message: error.message };
    throw error.code === 'NOT_FOUND' ? new NotFoundException(body) : new BadRequestException(body);
  }
}

/**
 * Private agent groups of an environment and their agents. Everything here needs Agent Install
 * on the environment: it decides which machines run the organization's integrations.
 */
@ApiTags('agents')
@Controller(apiV1('environments/:environmentId/agent-groups'))
export class AgentGroupsController {
  constructor(@Inject(AgentRegistry) private readonly registry: AgentRegistry) {}

  @Get()
  @RequireAction('agent_group.manage')
  @ApiOperation({ summary: 'The agent groups serving this environment' })
  list(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
  ): Promise<AgentGroupView[]> {
    return this.registry.listGroups(orgId, environmentId);
  }

  @Post()
  @HttpCode(201)
  @RequireAction('agent_group.manage')
  @ApiOperation({
    summary:
      'Create a group serving this environment `{name}` (a group of that name that exists is bound to it too)',
  })
  bind(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Body() body: AgentGroupRequest,
  ): Promise<AgentGroupView> {
    return answer(() => this.registry.bindGroup(orgId, environmentId, body.name, actor));
  }

  @Post(':groupId/enrolment-tokens')
  @HttpCode(201)
  @RequireAction('agent.enrol')
  @ApiOperation({ summary: 'A one-time enrolment token for the group (15 minutes), shown once' })
  enrolmentToken(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('groupId') groupId: string,
  ): Promise<{ token: string; expiresAt: string }> {
    return answer(() => this.registry.createEnrolmentToken(orgId, environmentId, groupId, actor));
  }

  @Get(':groupId/agents')
  @RequireAction('agent.enrol')
  @ApiOperation({
    summary: "The group's agents: version, host, last heartbeat, state (online, busy, offline…)",
  })
  agents(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('groupId') groupId: string,
  ): Promise<AgentView[]> {
    return answer(() => this.registry.listAgents(orgId, environmentId, groupId));
  }

  @Post(':groupId/agents/:agentId/:change')
  @HttpCode(204)
  @RequireAction('agent.enrol')
  @ApiOperation({
    summary: 'Disable, enable or revoke an agent (`…/disable`, `…/enable`, `…/revoke`)',
  })
  async change(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('groupId') groupId: string,
    @Param('agentId') agentId: string,
    @Param('change') change: string,
  ): Promise<void> {
    if (change !== 'disable' && change !== 'enable' && change !== 'revoke') {
      throw new NotFoundException({
        code: 'NOT_FOUND',
        message: 'an agent can be disabled, enabled or revoked',
      });
    }
    await answer(() =>
      this.registry.setState(orgId, environmentId, groupId, agentId, change, actor),
    );
  }
}
