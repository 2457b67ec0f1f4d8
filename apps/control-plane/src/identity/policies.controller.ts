import { Body, Controller, Get, Inject, Param, Patch, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { RequireAction } from '@weft/server-kit';
import { recordAudit } from '../audit/audit-trail.js';
import { asOrgId, inTenant, type TenantTransaction } from '../database/tenant.js';
import { apiV1 } from '../http/api-path.js';
import { Actor, type RequestActor } from '../http/request-actor.js';
import type { AuthenticatedHttpRequest } from './authentication.js';
import { OrganizationPolicyRequest } from './session.dto.js';

export interface OrganizationPolicy {
  requireTwoFactor: boolean;
  /** Members sign in only through the organization's identity provider (set with the SSO settings). */
  singleSignOnEnforced: boolean;
}

async function readPolicy(tx: TenantTransaction): Promise<OrganizationPolicy> {
  const [row] = (await tx.query(
    `SELECT o.require_two_factor, coalesce(p.enforced, false) AS sso_enforced
     FROM organizations o LEFT JOIN org_identity_providers p ON p.org_id = o.id WHERE o.id = $1`,
    [tx.orgId],
  )) as Array<{ require_two_factor: boolean; sso_enforced: boolean }>;
  return {
    requireTwoFactor: row?.require_two_factor ?? false,
    singleSignOnEnforced: row?.sso_enforced ?? false,
  };
}

/** An organization's sign-in policies. Members read them; administrators change them. */
@ApiTags('organizations')
@Controller(apiV1('organizations/:orgId/policies'))
export class PoliciesController {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  @Get()
  @RequireAction('organization.read')
  @ApiOperation({ summary: "The organization's sign-in policies" })
  read(@Param('orgId') orgId: string): Promise<OrganizationPolicy> {
    return inTenant(this.db, asOrgId(orgId), readPolicy);
  }

  @Patch()
  @RequireAction('policy.manage')
  @ApiOperation({
    summary:
      'Change sign-in policies: `{requireTwoFactor}` (members without two-factor can then only enrol)',
  })
  update(
    @Actor() { orgId: org, actor }: RequestActor,
    @Body() body: OrganizationPolicyRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<OrganizationPolicy> {
    return inTenant(this.db, org, async (tx) => {
      const before = await readPolicy(tx);
      if (body.requireTwoFactor !== undefined) {
        await tx.query(`UPDATE organizations SET require_two_factor = $2 WHERE id = $1`, [
          org,
          body.requireTwoFactor,
        ]);
      }
      const after = await readPolicy(tx);
      if (after.requireTwoFactor !== before.requireTwoFactor) {
        await recordAudit(tx, [
          {
            orgId: org,
            actor,
            action: 'policy.manage',
            target: { type: 'organization', id: org },
            outcome: 'succeeded',
            ...(request.ip !== undefined ? { ip: request.ip } : {}),
            details: { requireTwoFactor: after.requireTwoFactor },
          },
        ]);
      }
      return after;
    });
  }
}
