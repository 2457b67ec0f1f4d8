import { UnauthorizedException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from '@weft/server-kit';
import type { AuditActor } from '../audit/audit-trail.js';
import { asOrgId, type OrgId } from '../database/tenant.js';

/** The organization a request acts in and who acts, as authentication established them. */
export interface RequestActor {
  orgId: OrgId;
  actor: AuditActor;
}

/**
 * Injects the request's organization and actor. Taken only from the authenticated principal,
 * never from the body or query, so a handler cannot be steered into another tenant.
 */
export const Actor = createParamDecorator((_: unknown, context: ExecutionContext): RequestActor => {
  const { principal } = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (
    principal === undefined ||
    principal.kind === 'anonymous' ||
    principal.id === undefined ||
    principal.orgId === undefined
  ) {
    throw new UnauthorizedException({
      code: 'UNAUTHENTICATED',
      message: 'authentication required',
    });
  }
  return { orgId: asOrgId(principal.orgId), actor: { type: principal.kind, id: principal.id } };
});
