import { ACCESS_LEVELS, isAccessLevel, type AccessLevel } from './levels.js';
import { RbacError } from './errors.js';

/**
 * A role: an org-wide `admin` flag plus access levels per environment.
 *
 * `defaultEnvironmentLevels` applies to every environment of the organization, including ones
 * created later. An entry in `environments` replaces the default for that one environment, so
 * a role can say "write everywhere, but only read in production" (`{ prod: ['read'] }`) or
 * "nothing in production" (`{ prod: [] }`). Across several roles, grants add up.
 */
export interface Role {
  readonly id: string;
  readonly name: string;
  readonly admin: boolean;
  readonly environments: Readonly<Record<string, readonly AccessLevel[]>>;
  readonly defaultEnvironmentLevels?: readonly AccessLevel[];
}

export type BuiltInRoleId = 'administrator' | 'developer' | 'support' | 'read_only';

function builtIn(role: Role): Role {
  Object.freeze(role.environments);
  if (role.defaultEnvironmentLevels) Object.freeze(role.defaultEnvironmentLevels);
  return Object.freeze(role);
}

/**
 * The roles every organization starts with. They name no environment (environments are the
 * organization's own), so they grant on all environments; an organization that needs
 * per-environment differences (say, developers may not touch production) creates custom roles.
 */
export const BUILT_IN_ROLES: Readonly<Record<BuiltInRoleId, Role>> = Object.freeze({
  administrator: builtIn({
    id: 'administrator',
    name: 'Administrator',
    admin: true,
    environments: {},
    defaultEnvironmentLevels: [...ACCESS_LEVELS],
  }),
  // Designs, deploys and runs projects, and reads the logs of what they run.
  developer: builtIn({
    id: 'developer',
    name: 'Developer',
    admin: false,
    environments: {},
    defaultEnvironmentLevels: ['write', 'view_logs'],
  }),
  // Supports running integrations: reads projects, runs, retries and cancels, reads logs; changes nothing.
  support: builtIn({
    id: 'support',
    name: 'Support',
    admin: false,
    environments: {},
    defaultEnvironmentLevels: ['execute', 'view_logs'],
  }),
  // Sees projects and deployments; cannot run, change, or read logs (which may carry business data).
  read_only: builtIn({
    id: 'read_only',
    name: 'Read Only',
    admin: false,
    environments: {},
    defaultEnvironmentLevels: ['read'],
  }),
});

function levelsFrom(value: unknown, where: string): AccessLevel[] {
  if (!Array.isArray(value))
    throw new RbacError('invalid_role', `${where} must be an array of access levels`);
  for (const level of value) {
    if (!isAccessLevel(level)) {
      throw new RbacError(
        'invalid_role',
        `${where} holds an unknown access level; expected one of ${ACCESS_LEVELS.join(', ')}`,
      );
    }
  }
  return [...new Set(value as AccessLevel[])];
}

function nonEmptyString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new RbacError('invalid_role', `${where} must be a non-empty string`);
  return value;
}

/**
 * Checks untrusted role data (an API body, a database row, a plugin's definition) and returns
 * a clean, frozen copy. Throws `RbacError` with code `invalid_role` naming the first problem.
 */
export function parseRole(input: unknown): Role {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RbacError('invalid_role', 'a role must be an object');
  }
  const raw = input as Record<string, unknown>;
  const id = nonEmptyString(raw.id, 'role.id');
  const name = nonEmptyString(raw.name, 'role.name');
  if (typeof raw.admin !== 'boolean')
    throw new RbacError('invalid_role', 'role.admin must be a boolean');
  const rawEnvironments = raw.environments ?? {};
  if (
    typeof rawEnvironments !== 'object' ||
    rawEnvironments === null ||
    Array.isArray(rawEnvironments)
  ) {
    throw new RbacError(
      'invalid_role',
      'role.environments must be an object of environment id → access levels',
    );
  }
  const environments: Record<string, readonly AccessLevel[]> = {};
  for (const [environmentId, levels] of Object.entries(rawEnvironments)) {
    nonEmptyString(environmentId, 'an environment id in role.environments');
    // defineProperty, not assignment: an id such as "__proto__" must stay an ordinary own key.
    Object.defineProperty(environments, environmentId, {
      value: Object.freeze(
        levelsFrom(levels, `role.environments[${JSON.stringify(environmentId)}]`),
      ),
      enumerable: true,
    });
  }
  const role: Role = {
    id,
    name,
    admin: raw.admin,
    environments: Object.freeze(environments),
    ...(raw.defaultEnvironmentLevels === undefined
      ? {}
      : {
          defaultEnvironmentLevels: Object.freeze(
            levelsFrom(raw.defaultEnvironmentLevels, 'role.defaultEnvironmentLevels'),
          ),
        }),
  };
  return Object.freeze(role);
}
