import type { AccessLevel } from './levels.js';

/**
 * Who an action is open to:
 * - `public`: anyone, signed in or not;
 * - `authenticated`: any identity that is not anonymous, whatever its organization;
 * - `agent`: an enrolled agent only (people and API keys never), acting for its own group — the
 *   gateway derives organization, environments and group from the agent's identity;
 * - `organization`: the active organization only (members, or admins when `admin` is set);
 * - `environment`: one environment of the active organization, at `level` or above (admins always).
 */
export type ActionScope = 'public' | 'authenticated' | 'agent' | 'organization' | 'environment';

export type ActionRequirement =
  | { readonly scope: 'public'; readonly description: string }
  | { readonly scope: 'authenticated'; readonly description: string }
  | { readonly scope: 'agent'; readonly description: string }
  | { readonly scope: 'organization'; readonly admin?: true; readonly description: string }
  | { readonly scope: 'environment'; readonly level: AccessLevel; readonly description: string };

/**
 * Every action Weft authorises, and what it needs. Every endpoint, gateway call and plugin
 * hook declares one of these names; `can()` is the only place they are interpreted.
 * Changing a line here changes who can do what: the test pins this table on purpose.
 */
const CATALOGUE = {
  'system.health': { scope: 'public', description: 'Check that the service process is alive' },
  'system.ready': {
    scope: 'public',
    description: 'Check that the service and its dependencies are ready',
  },
  'system.docs': { scope: 'public', description: 'Read the public API documentation' },
  'session.create': {
    scope: 'public',
    description: 'Sign in with email and password (throttled; locks after repeated failures)',
  },

  'account.register': {
    scope: 'public',
    description:
      'Register an account, confirm its email address, or reset a forgotten password by email (throttled)',
  },

  'agent.authenticate': {
    scope: 'public',
    description:
      'Enrol an agent with a one-time token, or prove an enrolled agent’s key (a signed challenge) for a short-lived access token',
  },
  'agent.work': {
    scope: 'agent',
    description:
      'As an enrolled agent: take runs of its own group, report heartbeats, progress and outcomes',
  },

  'session.read': {
    scope: 'authenticated',
    description: 'Read the current session and signed-in identity',
  },
  'session.manage': {
    scope: 'authenticated',
    description: 'Sign out, or end your other sessions',
  },
  'two_factor.manage': {
    scope: 'authenticated',
    description: 'Enrol, confirm and remove your own two-factor authentication and recovery codes',
  },
  'account.manage': {
    scope: 'authenticated',
    description: 'Change your own password (your other sessions end)',
  },
  'invitation.accept': {
    scope: 'authenticated',
    description: 'Accept an invitation sent to your verified email address',
  },
  'organization.list': {
    scope: 'authenticated',
    description: 'List the organizations the identity belongs to',
  },

  'organization.read': {
    scope: 'organization',
    description: "Read the active organization's profile",
  },
  'organization.manage': {
    scope: 'organization',
    admin: true,
    description: "Change the organization's settings",
  },
  'api_key.manage': {
    scope: 'organization',
    description:
      'Create, list and revoke API keys for scripts and CI (your own; administrators: all), never with more access than you hold',
  },
  'environment.manage': {
    scope: 'organization',
    admin: true,
    description: 'Create, rename and delete environments',
  },
  'role.manage': {
    scope: 'organization',
    admin: true,
    description: 'Create, change and delete roles and their grants',
  },
  'member.manage': {
    scope: 'organization',
    admin: true,
    description: "Change members' roles and remove members",
  },
  'invitation.manage': {
    scope: 'organization',
    admin: true,
    description: 'Invite people and revoke invitations',
  },
  'policy.manage': {
    scope: 'organization',
    admin: true,
    description: 'Change security policies (passwords, two-factor, single sign-on, sessions)',
  },
  'audit.read': {
    scope: 'organization',
    admin: true,
    description: "Read the organization's audit trail",
  },

  'activity.read': {
    scope: 'environment',
    level: 'view_logs',
    description: 'Read the activity log of an environment',
  },
  'agent.enrol': {
    scope: 'environment',
    level: 'agent_install',
    description: 'Issue enrolment tokens and enrol agents in an environment',
  },
  'agent_group.manage': {
    scope: 'environment',
    level: 'agent_install',
    description: 'Create and change agent groups in an environment',
  },
  'project.read': {
    scope: 'environment',
    level: 'read',
    description: 'Read projects deployed to an environment',
  },
  'deployment.read': {
    scope: 'environment',
    level: 'read',
    description: 'Read deployments in an environment',
  },
  'secret.list': {
    scope: 'environment',
    level: 'read',
    description: 'List the names of credentials and project variables (never their values)',
  },
  'operation.run': {
    scope: 'environment',
    level: 'execute',
    description: 'Run an operation in an environment',
  },
  'secret.resolve': {
    scope: 'environment',
    level: 'execute',
    description: 'Decrypt credentials and project variables for a run (each decryption is audited)',
  },
  'run.retry': {
    scope: 'environment',
    level: 'execute',
    description: 'Retry a failed operation run',
  },
  'run.cancel': {
    scope: 'environment',
    level: 'execute',
    description: 'Cancel a pending or running operation run',
  },
  'project.write': {
    scope: 'environment',
    level: 'write',
    description: 'Create and change projects in an environment',
  },
  'project.deploy': {
    scope: 'environment',
    level: 'write',
    description: 'Deploy a project to an environment',
  },
  'secret.write': {
    scope: 'environment',
    level: 'write',
    description: 'Set or delete credentials and project variables (write-only)',
  },
  'schedule.manage': {
    scope: 'environment',
    level: 'write',
    description: 'Create, change and delete schedules',
  },
} as const satisfies Record<string, ActionRequirement>;

for (const requirement of Object.values(CATALOGUE)) Object.freeze(requirement);

/** The action catalogue (frozen): action name → requirement. */
export const ACTION_CATALOGUE: typeof CATALOGUE = Object.freeze(CATALOGUE);

export type Action = keyof typeof ACTION_CATALOGUE;

/** Every action name, in catalogue order. */
export const ACTIONS: readonly Action[] = Object.freeze(Object.keys(ACTION_CATALOGUE) as Action[]);

export function isAction(value: unknown): value is Action {
  // Own keys only: 'toString' or '__proto__' must not pass as actions.
  return typeof value === 'string' && Object.hasOwn(ACTION_CATALOGUE, value);
}

/** The requirement of an action, or `undefined` for a name that is not in the catalogue. */
export function requirementOf(action: string): ActionRequirement | undefined {
  return isAction(action) ? ACTION_CATALOGUE[action] : undefined;
}

/** What the action needs, in words: e.g. "write access on the environment". */
export function describeRequirement(requirement: ActionRequirement): string {
  switch (requirement.scope) {
    case 'public':
      return 'open to anyone';
    case 'authenticated':
      return 'any signed-in identity';
    case 'agent':
      return 'an enrolled agent';
    case 'organization':
      return requirement.admin
        ? 'admin permission in the organization'
        : 'membership of the organization';
    case 'environment':
      return `${requirement.level} access on the environment`;
  }
}

/**
 * One line for audit trails, docs and UI: `project.deploy: Deploy a project to an environment
 * (needs write access on the environment)`. Unknown names are reported as such.
 */
export function describeAction(action: string): string {
  const requirement = requirementOf(action);
  if (!requirement) return `${JSON.stringify(action)}: unknown action (denied to everyone)`;
  return `${action}: ${requirement.description} (needs ${describeRequirement(requirement)})`;
}
