import { ACTION_CATALOGUE, ACTIONS, type Action } from './actions.js';
import { can, explain, type Resource } from './can.js';
import { ACCESS_LEVELS, type AccessLevel } from './levels.js';
import { ANONYMOUS_PRINCIPAL, resolvePrincipal, type Principal } from './principal.js';
import type { Role } from './roles.js';

// Written out independently of the implementation: which levels each level carries.
const CARRIES: Record<AccessLevel, AccessLevel[]> = {
  view_logs: ['view_logs'],
  agent_install: ['agent_install'],
  read: ['read'],
  execute: ['execute', 'read'],
  write: ['write', 'execute', 'read'],
};

const ORG = 'org_a';
const OTHER_ORG = 'org_b';
const ENV = 'env_dev';
const OTHER_ENV = 'env_prod';

function role(overrides: Partial<Role>): Role {
  return { id: 'r', name: 'r', admin: false, environments: {}, ...overrides };
}

function member(roles: Role[], kind: 'user' | 'api_key' | 'agent' = 'user'): Principal {
  return resolvePrincipal({ kind, id: 'id_1', orgId: ORG }, roles);
}

// The resource an action naturally acts on: scope-appropriate and inside ORG.
function resourceFor(action: Action, orgId = ORG, environmentId = ENV): Resource | undefined {
  const { scope } = ACTION_CATALOGUE[action];
  if (scope === 'environment') return { orgId, environmentId };
  if (scope === 'organization') return { orgId };
  return undefined;
}

const environmentActions = ACTIONS.filter(
  (action) => ACTION_CATALOGUE[action].scope === 'environment',
);
const organizationActions = ACTIONS.filter(
  (action) => ACTION_CATALOGUE[action].scope === 'organization',
);
const tenantActions = [...organizationActions, ...environmentActions];

describe('can: every level × every action', () => {
  const cases = ACCESS_LEVELS.flatMap((level) => ACTIONS.map((action) => [level, action] as const));

  it.each(cases)('a member with only %s on the environment → %s', (level, action) => {
    const requirement = ACTION_CATALOGUE[action];
    const principal = member([role({ environments: { [ENV]: [level] } })]);
    const expected =
      requirement.scope === 'environment'
        ? CARRIES[level].includes(requirement.level)
        : requirement.scope === 'agent'
          ? false
          : requirement.scope !== 'organization' || !('admin' in requirement);
    expect(can(principal, action, resourceFor(action))).toBe(expected);
    // The grant is for ENV only: another environment of the same organization gets nothing.
    if (requirement.scope === 'environment')
      expect(can(principal, action, resourceFor(action, ORG, OTHER_ENV))).toBe(false);
  });

  const environmentCases = cases.filter(
    ([, action]) => ACTION_CATALOGUE[action].scope === 'environment',
  );

  it.each(environmentCases)(
    'an "all environments" grant of %s applies to any environment → %s',
    (level, action) => {
      const requirement = ACTION_CATALOGUE[action];
      if (requirement.scope !== 'environment') throw new Error('filtered above');
      const principal = member([role({ defaultEnvironmentLevels: [level] })]);
      const expected = CARRIES[level].includes(requirement.level);
      expect(can(principal, action, resourceFor(action, ORG, ENV))).toBe(expected);
      expect(can(principal, action, resourceFor(action, ORG, 'env_created_later'))).toBe(expected);
    },
  );

  it.each(ACTIONS)(
    'a member with no grants → %s only if public, authenticated or open to members',
    (action) => {
      const requirement = ACTION_CATALOGUE[action];
      const expected =
        requirement.scope === 'public' ||
        requirement.scope === 'authenticated' ||
        (requirement.scope === 'organization' && !('admin' in requirement));
      expect(can(member([]), action, resourceFor(action))).toBe(expected);
    },
  );
});

describe('can: admin', () => {
  const admin = member([role({ admin: true })]);

  const peopleActions = ACTIONS.filter((action) => ACTION_CATALOGUE[action].scope !== 'agent');

  it.each(peopleActions)('an admin may %s anywhere in its own organization', (action) => {
    expect(can(admin, action, resourceFor(action))).toBe(true);
    expect(can(admin, action, resourceFor(action, ORG, OTHER_ENV))).toBe(true);
  });

  it.each(tenantActions)('an admin may not %s in another organization', (action) => {
    const decision = explain(admin, action, resourceFor(action, OTHER_ORG));
    expect(decision).toMatchObject({ allowed: false, reason: 'organization_mismatch' });
  });

  it.each(organizationActions.filter((action) => 'admin' in ACTION_CATALOGUE[action]))(
    '%s needs admin, even with write everywhere',
    (action) => {
      const writer = member([role({ defaultEnvironmentLevels: [...ACCESS_LEVELS] })]);
      expect(explain(writer, action, { orgId: ORG })).toMatchObject({
        allowed: false,
        reason: 'admin_required',
      });
    },
  );

  it('an admin flag set to a truthy non-boolean does not count', () => {
    const forged = { ...member([]), admin: 'yes' as unknown as boolean };
    expect(can(forged, 'role.manage', { orgId: ORG })).toBe(false);
  });
});

describe('can: deny by default', () => {
  const everything = member([role({ admin: true, defaultEnvironmentLevels: [...ACCESS_LEVELS] })]);
  const writer = member([
    role({ defaultEnvironmentLevels: ['write', 'view_logs', 'agent_install'] }),
  ]);

  it.each(tenantActions)(
    'cross-organization %s is denied for a non-admin with every level',
    (action) => {
      expect(can(writer, action, resourceFor(action, OTHER_ORG))).toBe(false);
      expect(can(writer, action, resourceFor(action))).toBe(!('admin' in ACTION_CATALOGUE[action]));
    },
  );

  it.each(environmentActions)(
    '%s without an environment id is denied, even to an admin',
    (action) => {
      for (const resource of [{ orgId: ORG }, { orgId: ORG, environmentId: '' }]) {
        expect(explain(everything, action, resource)).toMatchObject({
          allowed: false,
          reason: 'environment_required',
        });
        expect(can(writer, action, resource)).toBe(false);
      }
    },
  );

  it.each(tenantActions)('%s without a resource or organization id is denied', (action) => {
    expect(explain(everything, action)).toMatchObject({
      allowed: false,
      reason: 'resource_required',
    });
    expect(can(everything, action, { orgId: '' })).toBe(false);
    expect(can(everything, action, null as unknown as Resource)).toBe(false);
  });

  it.each(ACTIONS)('anonymous callers may %s only if it is public', (action) => {
    const decision = explain(ANONYMOUS_PRINCIPAL, action, resourceFor(action));
    expect(decision.allowed).toBe(ACTION_CATALOGUE[action].scope === 'public');
    if (!decision.allowed) expect(decision.reason).toBe('anonymous');
  });

  it('an anonymous principal forged with admin and grants still gets only public actions', () => {
    const forged: Principal = {
      kind: 'anonymous',
      orgId: ORG,
      admin: true,
      environments: { [ENV]: ['write'] },
      allEnvironments: ['write'],
    };
    for (const action of ACTIONS)
      expect(can(forged, action, resourceFor(action))).toBe(
        ACTION_CATALOGUE[action].scope === 'public',
      );
  });

  it.each(['project.delete', 'toString', '__proto__', 'constructor', '', 'PROJECT.READ'])(
    'unknown action %j is denied to an admin',
    (action) => {
      expect(explain(everything, action, { orgId: ORG, environmentId: ENV })).toMatchObject({
        allowed: false,
        reason: 'unknown_action',
      });
    },
  );

  it.each(tenantActions)('an identity without an active organization may not %s', (action) => {
    const orphan = resolvePrincipal({ kind: 'user', id: 'u1' }, [role({ admin: true })]);
    expect(explain(orphan, action, resourceFor(action))).toMatchObject({
      allowed: false,
      reason: 'no_active_organization',
    });
  });

  it('a malformed principal is denied, even for public actions', () => {
    for (const principal of [
      null,
      undefined,
      {},
      { kind: 'root', admin: true, environments: {} },
    ]) {
      expect(explain(principal as unknown as Principal, 'system.health')).toMatchObject({
        allowed: false,
        reason: 'invalid_principal',
      });
    }
  });

  it('environment ids are looked up as own keys only', () => {
    const principal = member([role({ environments: { [ENV]: ['write'] } })]);
    for (const environmentId of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(can(principal, 'project.read', { orgId: ORG, environmentId })).toBe(false);
    }
  });
});

describe('can: principal kinds', () => {
  it.each(['user', 'api_key', 'agent'] as const)(
    'kind %s holds exactly the levels of its roles',
    (kind) => {
      const principal = member([role({ environments: { [ENV]: ['execute'] } })], kind);
      expect(can(principal, 'session.read')).toBe(true);
      expect(can(principal, 'operation.run', { orgId: ORG, environmentId: ENV })).toBe(true);
      expect(can(principal, 'project.deploy', { orgId: ORG, environmentId: ENV })).toBe(false);
    },
  );
});

describe('can: agent actions', () => {
  const agentActions = ACTIONS.filter((action) => ACTION_CATALOGUE[action].scope === 'agent');

  it('exist', () => expect(agentActions.length).toBeGreaterThan(0));

  it.each(agentActions)(
    '%s is open to an enrolled agent and to no person, however privileged',
    (action) => {
      expect(explain(member([], 'agent'), action)).toMatchObject({
        allowed: true,
        reason: 'agent_identity',
      });
      const everything = role({ admin: true, defaultEnvironmentLevels: [...ACCESS_LEVELS] });
      for (const kind of ['user', 'api_key'] as const) {
        expect(explain(member([everything], kind), action)).toMatchObject({
          allowed: false,
          reason: 'agent_required',
        });
      }
      expect(explain(ANONYMOUS_PRINCIPAL, action)).toMatchObject({
        allowed: false,
        reason: 'anonymous',
      });
    },
  );

  it('an agent principal without an id is refused', () => {
    const forged = { kind: 'agent', admin: false, environments: {} } as Principal;
    expect(can(forged, 'agent.work')).toBe(false);
  });
});

describe('explain', () => {
  it('gives a stable reason code and a message naming the action, level and environment', () => {
    const principal = member([role({ environments: { [ENV]: ['read', 'view_logs'] } })]);
    expect(explain(principal, 'project.deploy', { orgId: ORG, environmentId: ENV })).toEqual({
      allowed: false,
      reason: 'level_missing',
      message:
        'project.deploy needs write access on environment "env_dev"; the principal has view_logs, read there',
    });
    expect(explain(principal, 'project.read', { orgId: ORG, environmentId: ENV })).toEqual({
      allowed: true,
      reason: 'environment_level',
      message: 'project.read allowed by read access on environment "env_dev"',
    });
    expect(
      explain(principal, 'project.read', { orgId: ORG, environmentId: OTHER_ENV }).message,
    ).toContain('has no access there');
  });

  it('names why each allowed decision was allowed', () => {
    const admin = member([role({ admin: true })]);
    expect(explain(ANONYMOUS_PRINCIPAL, 'system.docs').reason).toBe('public_action');
    expect(explain(member([]), 'organization.list').reason).toBe('authenticated');
    expect(explain(member([]), 'organization.read', { orgId: ORG }).reason).toBe(
      'organization_member',
    );
    expect(explain(admin, 'audit.read', { orgId: ORG }).reason).toBe('organization_admin');
    expect(explain(admin, 'secret.write', { orgId: ORG, environmentId: ENV }).reason).toBe(
      'organization_admin',
    );
  });

  it('agrees with can() on every action', () => {
    const principal = member([role({ environments: { [ENV]: ['execute'] } })]);
    for (const action of ACTIONS) {
      expect(can(principal, action, resourceFor(action))).toBe(
        explain(principal, action, resourceFor(action)).allowed,
      );
    }
  });
});
