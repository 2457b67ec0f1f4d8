import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Put,
  Req,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../../http/api-path.js';
import { Actor, type RequestActor } from '../../http/request-actor.js';
import type { AuthenticatedHttpRequest } from '../authentication.js';
import { IdentityProviderRequest } from '../session.dto.js';
import {
  IdentityProviders,
  SsoError,
  type IdentityProviderSettings,
} from './identity-providers.js';

/** An organization's single sign-on settings; the client secret is write-only. */
@ApiTags('organizations')
@Controller(apiV1('organizations/:orgId/sso'))
export class SsoSettingsController {
  constructor(@Inject(IdentityProviders) private readonly providers: IdentityProviders) {}

  @Get()
  @RequireAction('policy.manage')
  @ApiOperation({ summary: "The organization's identity provider (never its client secret)" })
  async read(@Actor() { orgId }: RequestActor): Promise<IdentityProviderSettings> {
    const settings = await this.providers.read(orgId);
    if (settings === undefined) {
      throw new NotFoundException({
        code: 'SSO_NOT_CONFIGURED',
        message: 'this organization has no identity provider',
      });
    }
    return settings;
  }

  @Put()
  @RequireAction('policy.manage')
  @ApiOperation({
    summary:
      'Set the identity provider: `{issuer, clientId, clientSecret?, jitRoleId?, enforced?}` (checked against its discovery document first)',
  })
  async save(
    @Actor() { orgId, actor }: RequestActor,
    @Body() body: IdentityProviderRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<IdentityProviderSettings> {
    try {
      return await this.providers.save(orgId, body, actor, request.ip);
    } catch (error) {
      if (!SsoError.is(error)) throw error;
      throw new BadRequestException({ code: error.code, message: error.message });
    }
  }

  @Delete()
  @HttpCode(204)
  @RequireAction('policy.manage')
  @ApiOperation({ summary: 'Remove the identity provider (members sign in with passwords again)' })
  async remove(
    @Actor() { orgId, actor }: RequestActor,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<void> {
    if (!(await this.providers.remove(orgId, actor, request.ip))) {
      throw new NotFoundException({
        code: 'SSO_NOT_CONFIGURED',
        message: 'this organization has no identity provider',
      });
    }
  }
}
