import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  Inject,
  Param,
  Patch,
  Req,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { RequireAction } from '@weft/server-kit';
import { recordAudit } from '../audit/audit-trail.js';
import { asOrgId, inTenant, type TenantTransaction } from '../database/tenant.js';
import { apiV1 } from '../http/api-path.js';
import { Actor, type RequestActor } from '../http/request-actor.js';
import type { AuthenticatedHttpRequest } from './authentication.js';
import {
  NIST_PASSWORD_POLICY,
  validatePolicy,
  type CharacterClass,
  type PasswordPolicy,
} from './password-policy.js';
import {
  allowlistOf,
  allows,
  normaliseAddress,
  RequestPolicies,
  type AuditLevel,
} from './request-policies.js';
import { OrganizationPolicyRequest } from './session.dto.js';

export interface OrganizationPolicy {
  requireTwoFactor: boolean;
  /** Members sign in only through the organization's identity provider (set with the SSO settings). */
  singleSignOnEnforced: boolean;
  passwordPolicy: PasswordPolicy;
  /** Whether the password policy is NIST's default or the organization's own. */
  passwordPolicyCustom: boolean;
  ipAllowlist: string[];
  auditLevel: AuditLevel;
}

interface PolicyRow {
  require_two_factor: boolean;
  sso_enforced: boolean;
  password_policy: PasswordPolicy | null;
  ip_allowlist: string[];
  audit_level: AuditLevel;
}

async function readPolicy(tx: TenantTransaction): Promise<OrganizationPolicy> {
  const [row] = (await tx.query(
    `SELECT o.require_two_factor, coalesce(p.enforced, false) AS sso_enforced, o.password_policy,
            o.ip_allowlist::text[] AS ip_allowlist, o.audit_level
     FROM organizations o LEFT JOIN org_identity_providers p ON p.org_id = o.id WHERE o.id = $1`,
    [tx.orgId],
  )) as PolicyRow[];
  return {
    requireTwoFactor: row?.require_two_factor ?? false,
    singleSignOnEnforced: row?.sso_enforced ?? false,
    passwordPolicy: row?.password_policy ?? NIST_PASSWORD_POLICY,
    passwordPolicyCustom: row?.password_policy != null,
    ipAllowlist: row?.ip_allowlist ?? [],
    auditLevel: row?.audit_level ?? 'security',
  };
}

/** A complete password policy from a request body, or a 400 naming what is wrong. */
function passwordPolicyOf(input: Record<string, unknown>): PasswordPolicy {
  const known = Object.keys(NIST_PASSWORD_POLICY);
  const unknown = Object.keys(input).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new BadRequestException({
      code: 'VALIDATION_FAILED',
      message: `passwordPolicy.${unknown.slice(0, 40)} is not a password policy setting (${known.join(', ')})`,
      details: { field: 'passwordPolicy' },
    });
  }
  const policy = { ...NIST_PASSWORD_POLICY, ...input } as PasswordPolicy;
  const errors = Array.isArray(policy.requiredClasses)
    ? validatePolicy({ ...policy, requiredClasses: policy.requiredClasses as CharacterClass[] })
    : ['requiredClasses must be a list'];
  if (errors.length > 0) {
    throw new BadRequestException({
      code: 'VALIDATION_FAILED',
      message: `passwordPolicy: ${errors.join('; ')}`,
      details: { field: 'passwordPolicy' },
    });
  }
  return { ...policy, requiredClasses: [...new Set(policy.requiredClasses)] };
}

/** An organization's policies. Members read them; administrators change them. */
@ApiTags('organizations')
@Controller(apiV1('organizations/:orgId/policies'))
export class PoliciesController {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(RequestPolicies) private readonly requestPolicies: RequestPolicies,
  ) {}

  @Get()
  @RequireAction('organization.read')
  @ApiOperation({ summary: "The organization's policies" })
  read(@Param('orgId') orgId: string): Promise<OrganizationPolicy> {
    return inTenant(this.db, asOrgId(orgId), readPolicy);
  }

  @Patch()
  @RequireAction('policy.manage')
  @ApiOperation({
    summary:
      'Change policies: `{requireTwoFactor?, passwordPolicy?, ipAllowlist?, auditLevel?}` (an allowlist must include your own address)',
  })
  async update(
    @Actor() { orgId: org, actor }: RequestActor,
    @Body() body: OrganizationPolicyRequest,
    @Req() request: AuthenticatedHttpRequest,
  ): Promise<OrganizationPolicy> {
    const passwordPolicy =
      body.passwordPolicy === undefined || body.passwordPolicy === null
        ? body.passwordPolicy
        : passwordPolicyOf(body.passwordPolicy);
    if (body.ipAllowlist !== undefined) {
      const invalid = body.ipAllowlist.find(
        (range) => normaliseAddress(range.split('/')[0] ?? '') === undefined,
      );
      if (invalid !== undefined) {
        throw new BadRequestException({
          code: 'VALIDATION_FAILED',
          message: 'ipAllowlist must hold addresses or CIDR ranges such as 203.0.113.0/24',
          details: { field: 'ipAllowlist' },
        });
      }
      // Locking yourself out is the one mistake the API itself cannot undo.
      if (!allows(allowlistOf(body.ipAllowlist), request.ip)) {
        throw new ConflictException({
          code: 'IP_ALLOWLIST_EXCLUDES_YOU',
          message: 'the allowlist must include the address you are connecting from',
        });
      }
    }
    const after = await inTenant(this.db, org, async (tx) => {
      const before = await readPolicy(tx);
      try {
        await tx.query(
          `UPDATE organizations SET
             require_two_factor = coalesce($2, require_two_factor),
             password_policy = CASE WHEN $3::boolean THEN $4::jsonb ELSE password_policy END,
             ip_allowlist = coalesce($5::cidr[], ip_allowlist),
             audit_level = coalesce($6, audit_level)
           WHERE id = $1`,
          [
            org,
            body.requireTwoFactor ?? null,
            passwordPolicy !== undefined,
            passwordPolicy === undefined || passwordPolicy === null
              ? null
              : JSON.stringify(passwordPolicy),
            body.ipAllowlist ?? null,
            body.auditLevel ?? null,
          ],
        );
      } catch (error) {
        if ((error as { code?: string }).code === '22P02') {
          throw new BadRequestException({
            code: 'VALIDATION_FAILED',
            message:
              'ipAllowlist holds a range whose host bits are set (write 10.0.0.0/8, not 10.1.2.3/8)',
            details: { field: 'ipAllowlist' },
          });
        }
        throw error;
      }
      const updated = await readPolicy(tx);
      const changed = (Object.keys(updated) as Array<keyof OrganizationPolicy>).filter(
        (key) => JSON.stringify(updated[key]) !== JSON.stringify(before[key]),
      );
      if (changed.length > 0) {
        await recordAudit(tx, [
          {
            orgId: org,
            actor,
            action: 'policy.manage',
            target: { type: 'organization', id: org },
            outcome: 'succeeded',
            ...(request.ip !== undefined ? { ip: request.ip } : {}),
            details: Object.fromEntries(
              changed.map((key) => [
                key,
                typeof updated[key] === 'boolean' || typeof updated[key] === 'string'
                  ? (updated[key] as boolean | string)
                  : 'changed',
              ]),
            ),
          },
        ]);
      }
      return updated;
    });
    this.requestPolicies.forget(org);
    return after;
  }
}
