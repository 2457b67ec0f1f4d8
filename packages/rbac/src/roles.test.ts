import { ACTION_CATALOGUE, ACTIONS, type Action } from './actions.js';
import { can } from './can.js';
import { RbacError } from './errors.js';
import { resolvePrincipal } from './principal.js';
import { BUILT_IN_ROLES, parseRole, type BuiltInRoleId } from './roles.js';

// What each built-in role may do on an environment, written out so that a change shows up in review.
const EXPECTED_ENVIRONMENT_ACTIONS: Record<BuiltInRoleId, Action[]> = {
  administrator: ACTIONS.filter((action) => ACTION_CATALOGUE[action].scope === 'environment'),
  developer: [
    'activity.read',
    'project.read',
    'deployment.read',
    'secret.list',
    'operation.run',
    'secret.resolve',
    'run.retry',
    'run.cancel',
    'project.write',
    'project.deploy',
    'secret.write',
    'schedule.manage',
  ],
  support: [
    'activity.read',
    'project.read',
    'deployment.read',
    'secret.list',
    'operation.run',
    'secret.resolve',
    'run.retry',
    'run.cancel',
  ],
  read_only: ['project.read', 'deployment.read', 'secret.list'],
};

describe('built-in roles', () => {
  it('are Administrator, Developer, Support and Read Only; only Administrator is admin', () => {
    expect(Object.values(BUILT_IN_ROLES).map((role) => [role.id, role.name, role.admin])).toEqual([
      ['administrator', 'Administrator', true],
      ['developer', 'Developer', false],
      ['support', 'Support', false],
      ['read_only', 'Read Only', false],
    ]);
  });

  it.each(Object.keys(EXPECTED_ENVIRONMENT_ACTIONS) as BuiltInRoleId[])(
    '%s may do exactly its expected environment actions',
    (id) => {
      const principal = resolvePrincipal({ kind: 'user', id: 'u1', orgId: 'org_a' }, [
        BUILT_IN_ROLES[id],
      ]);
      const allowed = ACTIONS.filter(
        (action) =>
          ACTION_CATALOGUE[action].scope === 'environment' &&
          can(principal, action, { orgId: 'org_a', environmentId: 'any' }),
      );
      expect(allowed.sort()).toEqual([...EXPECTED_ENVIRONMENT_ACTIONS[id]].sort());
    },
  );

  it('cannot be changed at run time', () => {
    expect(() => {
      (BUILT_IN_ROLES.read_only as { admin: boolean }).admin = true;
    }).toThrow(TypeError);
    expect(() =>
      (BUILT_IN_ROLES.support.defaultEnvironmentLevels as string[]).push('write'),
    ).toThrow(TypeError);
    expect(() => {
      (BUILT_IN_ROLES.developer.environments as Record<string, string[]>).prod = ['write'];
    }).toThrow(TypeError);
  });
});

describe('parseRole', () => {
  it('returns a clean frozen copy of a valid role', () => {
    const input = {
      id: 'ops',
      name: 'Ops',
      admin: false,
      environments: { prod: ['execute', 'execute'] },
      defaultEnvironmentLevels: ['read'],
      extra: 1,
    };
    const role = parseRole(input);
    expect(role).toEqual({
      id: 'ops',
      name: 'Ops',
      admin: false,
      environments: { prod: ['execute'] },
      defaultEnvironmentLevels: ['read'],
    });
    expect(
      Object.isFrozen(role) &&
        Object.isFrozen(role.environments) &&
        Object.isFrozen(role.environments.prod),
    ).toBe(true);
    input.environments.prod.push('write');
    expect(role.environments.prod).toEqual(['execute']);
  });

  it('accepts a role without environments or defaults', () => {
    expect(parseRole({ id: 'a', name: 'A', admin: true })).toEqual({
      id: 'a',
      name: 'A',
      admin: true,
      environments: {},
    });
  });

  it('keeps a "__proto__" environment id as an ordinary key', () => {
    const role = parseRole(
      JSON.parse('{"id":"a","name":"A","admin":false,"environments":{"__proto__":["read"]}}'),
    );
    expect(Object.hasOwn(role.environments, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(role.environments)).toBe(Object.prototype);
  });

  it.each([
    ['not an object', 'admin', 'a role must be an object'],
    ['an array', [], 'a role must be an object'],
    ['a missing id', { name: 'A', admin: false }, 'role.id'],
    ['a blank name', { id: 'a', name: ' ', admin: false }, 'role.name'],
    ['a string admin flag', { id: 'a', name: 'A', admin: 'true' }, 'role.admin'],
    [
      'environments as an array',
      { id: 'a', name: 'A', admin: false, environments: [] },
      'role.environments',
    ],
    [
      'an unknown level',
      { id: 'a', name: 'A', admin: false, environments: { prod: ['root'] } },
      'role.environments["prod"]',
    ],
    [
      'levels not in an array',
      { id: 'a', name: 'A', admin: false, environments: { prod: 'write' } },
      'role.environments["prod"]',
    ],
    [
      'an unknown default level',
      { id: 'a', name: 'A', admin: false, defaultEnvironmentLevels: ['admin'] },
      'role.defaultEnvironmentLevels',
    ],
  ])('rejects %s', (_label, input, where) => {
    let caught: unknown;
    try {
      parseRole(input);
    } catch (error) {
      caught = error;
    }
    expect(RbacError.is(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'invalid_role', name: 'RbacError' });
    expect((caught as Error).message).toContain(where);
  });
});

describe('RbacError', () => {
  it('is recognised across package copies by its Symbol.for brand, not by class identity', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('weft.rbac.error')]: true,
      code: 'invalid_role',
    });
    expect(RbacError.is(foreign)).toBe(true);
    expect(RbacError.is(new Error('x'))).toBe(false);
    expect(RbacError.is(null)).toBe(false);
    expect(RbacError.is(new RbacError('invalid_role', 'x'))).toBe(true);
  });
});
