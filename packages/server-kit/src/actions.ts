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
}

/**
 * The one guard every request passes. Deny by default: no declaration → 403; a non-public
 * action without a principal → 401; otherwise `can()` from @weft/rbac decides, with the
 * organization and environment taken from the route.
 */
@Injectable()
export class ActionGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
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
    if (ACTION_CATALOGUE[action].scope === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = request.principal;
    if (principal === undefined) {
      throw new UnauthorizedException({
        code: 'UNAUTHENTICATED',
        message: 'authentication required',
      });
    }
    const orgId = request.params?.orgId ?? principal.orgId;
    const environmentId = request.params?.environmentId;
    const resource =
      orgId === undefined ? undefined : { orgId, ...(environmentId ? { environmentId } : {}) };
    if (!can(principal, action, resource)) {
      throw new ForbiddenException({ code: 'FORBIDDEN', message: `not allowed: ${action}` });
    }
    return true;
  }
}
