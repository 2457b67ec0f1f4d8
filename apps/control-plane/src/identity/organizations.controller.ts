import { Controller, Get, Inject, Req, UnauthorizedException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@weft/rbac';
import { RequireAction } from '@weft/server-kit';
import { apiV1 } from '../http/api-path.js';
import { Sessions } from './sessions.js';

/** The organizations of the signed-in person (to choose where to act). */
@ApiTags('organizations')
@Controller(apiV1('organizations'))
export class OrganizationsController {
  constructor(@Inject(Sessions) private readonly sessions: Sessions) {}

  @Get()
  @RequireAction('organization.list')
  @ApiOperation({ summary: 'Your organizations; `active` marks the one this session acts in' })
  async list(@Req() request: { principal?: Principal }): Promise<{
    organizations: Array<{ id: string; name: string; slug: string; active: boolean }>;
  }> {
    const principal = request.principal;
    if (principal?.id === undefined) throw new UnauthorizedException();
    // An API key belongs to exactly one organization: its own.
    const organizations =
      principal.kind === 'user'
        ? await this.sessions.organizationsOf(principal.id)
        : await this.sessions.organization(principal.orgId);
    return {
      organizations: organizations.map((org) => ({ ...org, active: org.id === principal.orgId })),
    };
  }
}
