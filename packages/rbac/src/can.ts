import { ACTION_CATALOGUE, isAction, type Action } from './actions.js';
import { PRINCIPAL_KINDS, levelsOn, type Principal } from './principal.js';

/** What an action is performed on: always an organization, and for environment actions, one of its environments. */
export interface Resource {
  readonly orgId: string;
  readonly environmentId?: string;
}

/** Stable codes for audit records and tests; the message is for people. */
export type DecisionReason =
  // allowed
  | 'public_action'
  | 'authenticated'
  | 'agent_identity'
  | 'organization_member'
  | 'organization_admin'
  | 'environment_level'
  // denied
  | 'unknown_action'
  | 'invalid_principal'
  | 'anonymous'
  | 'agent_required'
  | 'no_active_organization'
  | 'resource_required'
  | 'organization_mismatch'
  | 'environment_required'
  | 'admin_required'
  | 'level_missing';

export interface Decision {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  readonly message: string;
}

function allow(reason: DecisionReason, message: string): Decision {
  return { allowed: true, reason, message };
}

function deny(reason: DecisionReason, message: string): Decision {
  return { allowed: false, reason, message };
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * Decides whether `principal` may perform `action` on `resource`, and why. Deny by default:
 * an unknown action, a malformed principal, a missing or foreign organization, or an
 * environment action without an environment all deny, admins included.
 */
export function explain(
  principal: Principal,
  action: Action | string,
  resource?: Resource,
): Decision {
  if (!isAction(action))
    return deny('unknown_action', `${JSON.stringify(action)} is not in the action catalogue`);
  const requirement = ACTION_CATALOGUE[action];
  if (
    typeof principal !== 'object' ||
    principal === null ||
    !PRINCIPAL_KINDS.includes(principal.kind)
  ) {
    return deny('invalid_principal', `${action}: the principal is malformed`);
  }

  if (requirement.scope === 'public') return allow('public_action', `${action} is open to anyone`);
  if (principal.kind === 'anonymous')
    return deny('anonymous', `${action} needs a signed-in identity`);
  if (requirement.scope === 'authenticated')
    return allow('authenticated', `${action} is open to any signed-in identity`);
  if (requirement.scope === 'agent') {
    return principal.kind === 'agent' && nonEmpty(principal.id)
      ? allow('agent_identity', `${action} is open to enrolled agents`)
      : deny('agent_required', `${action} is open to enrolled agents only`);
  }

  if (!nonEmpty(principal.orgId))
    return deny('no_active_organization', `${action} needs an active organization`);
  if (typeof resource !== 'object' || resource === null || !nonEmpty(resource.orgId)) {
    return deny('resource_required', `${action} needs the organization it acts on`);
  }
  if (resource.orgId !== principal.orgId) {
    return deny(
      'organization_mismatch',
      `${action}: the resource belongs to another organization than the active one`,
    );
  }
  const admin = principal.admin === true;

  if (requirement.scope === 'organization') {
    if (admin)
      return allow(
        'organization_admin',
        `${action} allowed by admin permission in the organization`,
      );
    if ('admin' in requirement && requirement.admin) {
      return deny('admin_required', `${action} needs admin permission in the organization`);
    }
    return allow('organization_member', `${action} is open to members of the organization`);
  }

  const environmentId = resource.environmentId;
  if (!nonEmpty(environmentId))
    return deny('environment_required', `${action} needs the environment it acts on`);
  if (admin)
    return allow('organization_admin', `${action} allowed by admin permission in the organization`);
  const held = levelsOn(principal, environmentId);
  if (held.includes(requirement.level)) {
    return allow(
      'environment_level',
      `${action} allowed by ${requirement.level} access on environment ${JSON.stringify(environmentId)}`,
    );
  }
  const holding = held.length === 0 ? 'no access' : held.join(', ');
  return deny(
    'level_missing',
    `${action} needs ${requirement.level} access on environment ${JSON.stringify(environmentId)}; the principal has ${holding} there`,
  );
}

/** `explain(...).allowed`. */
export function can(principal: Principal, action: Action | string, resource?: Resource): boolean {
  return explain(principal, action, resource).allowed;
}
