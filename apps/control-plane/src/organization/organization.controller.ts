import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Patch,
  Post,
  Put,
  Req,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { Actor, type RequestActor } from '../http/request-actor.js';
import { requireSession, type AuthenticatedHttpRequest } from '../identity/authentication.js';
import {
  OrganizationAdmin,
  OrganizationError,
  type ChangeContext,
  type EnvironmentView,
  type MemberView,
  type RoleView,
} from './organization-admin.js';
import { TokenRequest } from '../identity/account.dto.js';
import { Invitations, type InvitationView } from './invitations.js';
import {
  CreateEnvironmentRequest,
  InvitationRequest,
  MemberRolesRequest,
  RenameEnvironmentRequest,
  RoleRequest,
} from './organization.dto.js';

/** Maps a refused change to the API's error shape. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!OrganizationError.is(error)) throw error;
    const body = {
      code: error.code,
      message: error.message,
      ...(error.field !== undefined ? { details: { field: error.field } } : {}),
    };
    if (error.code === 'NOT_FOUND') throw new NotFoundException(body);
    if (error.code === 'VALIDATION_FAILED') throw new BadRequestException(body);
    throw new ConflictException(body);
  }
}

function context(actor: RequestActor, request: AuthenticatedHttpRequest): ChangeContext {
  return { actor: actor.actor, ...(request.ip !== undefined ? { ip: request.ip } : {}) };
}

/** Environments of the organization: members list them, administrators change them. */
@ApiTags('organizations')
@Controller(apiV1('organizations/:orgId/environments'))
export class EnvironmentsController {
  constructor(@Inject(OrganizationAdmin) private readonly admin: OrganizationAdmin) {}

  @Get()
  @RequireAction('organization.read')
  @ApiOperation({ summary: "The organization's environments" })
  list(@Actor() { orgId }: RequestActor): Promise<EnvironmentView[]> {
    return this.admin.listEnvironments(orgId);
  }

  @Post()
  @HttpCode(201)
  @RequireAction('environment.manage')
  @ApiOperation({ summary: 'Create an environment: `{name, kind}`' })
  create(
    @Actor() actor: RequestActor,
    @Body() body: CreateEnvironmentRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<EnvironmentView> {
    return answer(() => this.admin.createEnvironment(actor.orgId, body, context(actor, request)));
  }

  @Patch(':environmentId')
  @RequireAction('environment.manage')
  @ApiOperation({ summary: 'Rename an environment: `{name}`' })
  rename(
    @Actor() actor: RequestActor,
    @Param('environmentId') environmentId: string,
    @Body() body: RenameEnvironmentRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<EnvironmentView> {
    return answer(() =>
      this.admin.renameEnvironment(actor.orgId, environmentId, body.name, context(actor, request)),
    );
  }

  @Delete(':environmentId')
  @HttpCode(204)
  @RequireAction('environment.manage')
  @ApiOperation({ summary: 'Delete an empty environment' })
  remove(
    @Actor() actor: RequestActor,
    @Param('environmentId') environmentId: string,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<void> {
    return answer(() =>
      this.admin.deleteEnvironment(actor.orgId, environmentId, context(actor, request)),
    );
  }
}

/** Roles: the Admin permission and access levels per environment. */
@ApiTags('organizations')
@Controller(apiV1('organizations/:orgId/roles'))
export class RolesController {
  constructor(@Inject(OrganizationAdmin) private readonly admin: OrganizationAdmin) {}

  @Get()
  @RequireAction('organization.read')
  @ApiOperation({ summary: "The organization's roles and what each grants" })
  list(@Actor() { orgId }: RequestActor): Promise<RoleView[]> {
    return this.admin.listRoles(orgId);
  }

  @Post()
  @HttpCode(201)
  @RequireAction('role.manage')
  @ApiOperation({
    summary: 'Create a custom role: `{name, admin?, defaultLevels?, environmentLevels?}`',
  })
  create(
    @Actor() actor: RequestActor,
    @Body() body: RoleRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<RoleView> {
    return answer(() => this.admin.createRole(actor.orgId, body, context(actor, request)));
  }

  @Patch(':roleId')
  @RequireAction('role.manage')
  @ApiOperation({ summary: "Change a role's name, Admin permission or access levels" })
  update(
    @Actor() actor: RequestActor,
    @Param('roleId') roleId: string,
    @Body() body: RoleRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<RoleView> {
    return answer(() => this.admin.updateRole(actor.orgId, roleId, body, context(actor, request)));
  }

  @Delete(':roleId')
  @HttpCode(204)
  @RequireAction('role.manage')
  @ApiOperation({ summary: 'Delete a custom role (members holding it lose it)' })
  remove(
    @Actor() actor: RequestActor,
    @Param('roleId') roleId: string,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<void> {
    return answer(() => this.admin.deleteRole(actor.orgId, roleId, context(actor, request)));
  }
}

/** Members and their roles. */
@ApiTags('organizations')
@Controller(apiV1('organizations/:orgId/members'))
export class MembersController {
  constructor(@Inject(OrganizationAdmin) private readonly admin: OrganizationAdmin) {}

  @Get()
  @RequireAction('organization.read')
  @ApiOperation({
    summary: "The organization's members, their roles and whether they use two-factor",
  })
  list(@Actor() { orgId }: RequestActor): Promise<MemberView[]> {
    return this.admin.listMembers(orgId);
  }

  @Put(':userId/roles')
  @RequireAction('member.manage')
  @ApiOperation({ summary: "Set a member's roles: `{roleIds}`" })
  setRoles(
    @Actor() actor: RequestActor,
    @Param('userId') userId: string,
    @Body() body: MemberRolesRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<MemberView> {
    return answer(() =>
      this.admin.setMemberRoles(actor.orgId, userId, body.roleIds, context(actor, request)),
    );
  }

  @Delete(':userId')
  @HttpCode(204)
  @RequireAction('member.manage')
  @ApiOperation({ summary: 'Remove a member (their API keys for this organization are revoked)' })
  remove(
    @Actor() actor: RequestActor,
    @Param('userId') userId: string,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<void> {
    return answer(() => this.admin.removeMember(actor.orgId, userId, context(actor, request)));
  }
}

/** Invitations into the organization (administrators), and accepting one (the invited person). */
@ApiTags('organizations')
@Controller(apiV1('organizations/:orgId/invitations'))
export class InvitationsController {
  constructor(@Inject(Invitations) private readonly invitations: Invitations) {}

  @Get()
  @RequireAction('invitation.manage')
  @ApiOperation({ summary: 'Invitations sent, newest first, with their status' })
  list(@Actor() { orgId }: RequestActor): Promise<InvitationView[]> {
    return this.invitations.list(orgId);
  }

  @Post()
  @HttpCode(201)
  @RequireAction('invitation.manage')
  @ApiOperation({ summary: 'Invite someone by email: `{email, roleIds}`; a link follows by mail' })
  create(
    @Actor() actor: RequestActor,
    @Body() body: InvitationRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<InvitationView> {
    return answer(() => this.invitations.create(actor.orgId, body, context(actor, request)));
  }

  @Delete(':invitationId')
  @HttpCode(204)
  @RequireAction('invitation.manage')
  @ApiOperation({ summary: 'Revoke a pending invitation' })
  revoke(
    @Actor() actor: RequestActor,
    @Param('invitationId') invitationId: string,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<void> {
    return answer(() =>
      this.invitations.revoke(actor.orgId, invitationId, context(actor, request)),
    );
  }
}

@ApiTags('organizations')
@Controller(apiV1('invitations'))
export class InvitationAcceptanceController {
  constructor(@Inject(Invitations) private readonly invitations: Invitations) {}

  @Post('accept')
  @HttpCode(200)
  @RequireAction('invitation.accept')
  @ApiOperation({ summary: 'Accept an invitation sent to your email: `{token}`' })
  accept(
    @Body() body: TokenRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<{ organizationId: string }> {
    const session = requireSession(request, 'an invitation is accepted');
    return answer(() => this.invitations.accept(body.token, session.userId, request.ip));
  }
}
