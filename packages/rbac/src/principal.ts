import { effectiveLevels, type AccessLevel } from './levels.js';
import { RbacError } from './errors.js';
import type { Role } from './roles.js';

export const PRINCIPAL_KINDS = Object.freeze(['user', 'api_key', 'agent', 'anonymous'] as const);
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** Who is calling, as authentication established it, before roles are applied. */
export interface Identity {
  readonly kind: PrincipalKind;
  /** The user, API key or agent id; absent for anonymous callers. */
  readonly id?: string;
  /** The organization the request acts in, if any; roles only ever apply inside it. */
  readonly orgId?: string;
}

/**
 * The resolved form `can()` decides on: one identity, in one active organization, with its roles
 * merged. `environments` holds the effective levels of every environment some role names
 * explicitly; any other environment of the organization gets `allEnvironments`.
 */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly id?: string;
  readonly orgId?: string;
  readonly admin: boolean;
  readonly environments: Readonly<Record<string, readonly AccessLevel[]>>;
  readonly allEnvironments?: readonly AccessLevel[];
}

export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  kind: 'anonymous',
  admin: false,
  environments: Object.freeze({}),
  allEnvironments: Object.freeze([]),
});

// A role's own levels on one environment: its explicit entry replaces its default.
function roleLevelsFor(role: Role, environmentId: string): readonly AccessLevel[] {
  if (Object.hasOwn(role.environments, environmentId))
    return role.environments[environmentId] ?? [];
  return role.defaultEnvironmentLevels ?? [];
}

/**
 * Merges the roles an identity holds in its active organization into a `Principal`. Grants add
 * up across roles; any admin role makes the principal an admin of that organization only.
 * Roles are ignored for anonymous callers and for identities without an active organization,
 * since a role means nothing outside the organization that defines it.
 * Throws `RbacError('invalid_identity')` for an unknown kind or a missing id.
 */
export function resolvePrincipal(identity: Identity, roles: readonly Role[] = []): Principal {
  if (
    typeof identity !== 'object' ||
    identity === null ||
    !PRINCIPAL_KINDS.includes(identity.kind)
  ) {
    throw new RbacError(
      'invalid_identity',
      `identity.kind must be one of ${PRINCIPAL_KINDS.join(', ')}`,
    );
  }
  if (identity.kind === 'anonymous') return ANONYMOUS_PRINCIPAL;
  if (typeof identity.id !== 'string' || identity.id === '') {
    throw new RbacError('invalid_identity', `a ${identity.kind} identity needs an id`);
  }
  const orgId =
    typeof identity.orgId === 'string' && identity.orgId !== '' ? identity.orgId : undefined;
  if (orgId === undefined) {
    return Object.freeze({
      kind: identity.kind,
      id: identity.id,
      admin: false,
      environments: Object.freeze({}),
      allEnvironments: Object.freeze([]),
    });
  }

  const named = new Set<string>();
  for (const role of roles)
    for (const environmentId of Object.keys(role.environments)) named.add(environmentId);
  const environments = Object.fromEntries(
    [...named].map((environmentId) => [
      environmentId,
      Object.freeze(effectiveLevels(roles.flatMap((role) => roleLevelsFor(role, environmentId)))),
    ]),
  );
  return Object.freeze({
    kind: identity.kind,
    id: identity.id,
    orgId,
    admin: roles.some((role) => role.admin === true),
    environments: Object.freeze(environments),
    allEnvironments: Object.freeze(
      effectiveLevels(roles.flatMap((role) => role.defaultEnvironmentLevels ?? [])),
    ),
  });
}

/** The effective levels a principal holds on one environment of its active organization. */
export function levelsOn(principal: Principal, environmentId: string): AccessLevel[] {
  const explicit = Object.hasOwn(principal.environments, environmentId)
    ? principal.environments[environmentId]
    : undefined;
  return effectiveLevels(explicit ?? principal.allEnvironments ?? []);
}
