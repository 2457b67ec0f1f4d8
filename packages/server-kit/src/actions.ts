import {
  applyDecorators,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import { ACTION_CATALOGUE, can, isAction, type Action, type Principal } from '@weft/rbac';

export const ACTION_METADATA = 'weft:action';

/**
 * Declares the catalogue action an endpoint performs. Every route must carry one: the guard
 * denies undeclared routes, and `assertEveryRouteDeclaresAction` refuses to boot with one.
 */
export function RequireAction(action: Action): MethodDecorator & ClassDecorator {
  if (!isAction(action)) throw new Error(`unknown action ${String(action)}`);
  return applyDecorators(
    SetMetadata(ACTION_METADATA, action),
    ApiExtension('x-weft-action', action),
  );
}

/** Where an authenticated principal is attached to a request (by the authentication layer). */
export interface AuthenticatedRequest {
  principal?: Principal;
  params?: Record<string, string | undefined>;
  /** The catalogue action the route declared, set by the guard (for the audit trail). */
  weftAction?: Action;
}

/**
 * Tells which organization an environment belongs to. The guard asks it for every
 * environment-scoped action, so that an environment id in a URL can never reach across
 * tenants; without it, environment-scoped actions are denied (fail closed). Provided by the
 * service that owns the data (the control plane), under the ENVIRONMENT_OWNERSHIP token.
 */
export interface EnvironmentOwnership {
  organizationOf(environmentId: string): Promise<string | undefined>;
}
export const ENVIRONMENT_OWNERSHIP = Symbol.for('weft.server-kit.environment-ownership');

/**
 * The one guard every request passes. Deny by default: no declaration → 403; a non-public
 * action without a principal → 401; an environment that is not the organization's → 403;
 * otherwise `can()` from @weft/rbac decides, on the route's `:orgId` (or the principal's
 * active organization) and `:environmentId`. `assertEveryRouteDeclaresAction` makes sure at
 * boot that scoped routes name those parameters exactly so.
 */
@Injectable()
export class ActionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly ownership?: EnvironmentOwnership,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const action = this.reflector.getAllAndOverride<string | undefined>(ACTION_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (action === undefined || !isAction(action)) {
      throw new ForbiddenException({
        code: 'ACTION_UNDECLARED',
        message: 'endpoint declares no action',
      });
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.weftAction = action;
    const requirement = ACTION_CATALOGUE[action];
    if (requirement.scope === 'public') return true;
    const principal = request.principal;
    if (principal === undefined) {
      throw new UnauthorizedException({
        code: 'UNAUTHENTICATED',
        message: 'authentication required',
      });
    }
    const denied = new ForbiddenException({ code: 'FORBIDDEN', message: `not allowed: ${action}` });
    const orgId = request.params?.orgId ?? principal.orgId;
    const environmentId = request.params?.environmentId;
    if (requirement.scope === 'environment') {
      if (orgId === undefined || environmentId === undefined || this.ownership === undefined)
        throw denied;
      if ((await this.ownership.organizationOf(environmentId)) !== orgId) throw denied;
    }
    const resource =
      orgId === undefined ? undefined : { orgId, ...(environmentId ? { environmentId } : {}) };
    if (!can(principal, action, resource)) throw denied;
    return true;
  }
}
