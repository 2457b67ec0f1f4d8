import { RbacError } from './errors.js';
import { ANONYMOUS_PRINCIPAL, levelsOn, resolvePrincipal, type Identity } from './principal.js';
import { BUILT_IN_ROLES, type Role } from './roles.js';
import type { AccessLevel } from './levels.js';

const user: Identity = { kind: 'user', id: 'u1', orgId: 'org_a' };

function role(id: string, overrides: Partial<Role>): Role {
  return { id, name: id, admin: false, environments: {}, ...overrides };
}

describe('resolvePrincipal: role merging', () => {
  // "Developers write everywhere except production, where they only read."
  const developer = role('dev', {
    defaultEnvironmentLevels: ['write'],
    environments: { prod: ['read'] },
  });
  const onCall = role('on_call', { environments: { prod: ['view_logs', 'execute'] } });
  const installer = role('installer', { environments: { edge: ['agent_install'] } });

  it('lets a role restrict one environment below its own default', () => {
    const principal = resolvePrincipal(user, [developer]);
    expect(levelsOn(principal, 'prod')).toEqual(['read']);
    expect(levelsOn(principal, 'dev')).toEqual(['read', 'execute', 'write']);
    expect(levelsOn(principal, 'created_later')).toEqual(['read', 'execute', 'write']);
  });

  it('adds grants up across roles, per environment', () => {
    const principal = resolvePrincipal(user, [developer, onCall, installer]);
    expect(levelsOn(principal, 'prod')).toEqual(['view_logs', 'read', 'execute']);
    // developer's default still reaches 'edge', which installer names explicitly.
    expect(levelsOn(principal, 'edge')).toEqual(['agent_install', 'read', 'execute', 'write']);
    expect(levelsOn(principal, 'test')).toEqual(['read', 'execute', 'write']);
    expect(principal.admin).toBe(false);
  });

  it('treats an explicit empty grant as "no access here" for that role', () => {
    const principal = resolvePrincipal(user, [
      role('no_prod', { defaultEnvironmentLevels: ['read'], environments: { prod: [] } }),
    ]);
    expect(levelsOn(principal, 'prod')).toEqual([]);
    expect(levelsOn(principal, 'dev')).toEqual(['read']);
  });

  it('makes the principal admin if any role is admin', () => {
    expect(resolvePrincipal(user, [developer, BUILT_IN_ROLES.administrator]).admin).toBe(true);
    expect(resolvePrincipal(user, [developer, onCall]).admin).toBe(false);
  });

  it('has no grants without roles', () => {
    const principal = resolvePrincipal(user);
    expect(principal).toEqual({
      kind: 'user',
      id: 'u1',
      orgId: 'org_a',
      admin: false,
      environments: {},
      allEnvironments: [],
    });
  });

  it('drops unknown levels instead of granting anything', () => {
    const stale = role('stale', {
      environments: { dev: ['owner', 'read'] as unknown as AccessLevel[] },
    });
    expect(levelsOn(resolvePrincipal(user, [stale]), 'dev')).toEqual(['read']);
  });

  it('keeps odd environment ids as own keys', () => {
    const principal = resolvePrincipal(user, [
      role('odd', { environments: JSON.parse('{"__proto__":["read"]}') as Role['environments'] }),
    ]);
    expect(levelsOn(principal, '__proto__')).toEqual(['read']);
    expect(levelsOn(principal, 'constructor')).toEqual([]);
  });

  it('returns a frozen principal', () => {
    const principal = resolvePrincipal(user, [developer]);
    expect(Object.isFrozen(principal)).toBe(true);
    expect(Object.isFrozen(principal.environments)).toBe(true);
    expect(Object.isFrozen(principal.environments.prod)).toBe(true);
  });
});

describe('resolvePrincipal: identities', () => {
  it('ignores roles for anonymous callers', () => {
    expect(
      resolvePrincipal({ kind: 'anonymous', orgId: 'org_a' }, [BUILT_IN_ROLES.administrator]),
    ).toBe(ANONYMOUS_PRINCIPAL);
  });

  it('ignores roles without an active organization', () => {
    const principal = resolvePrincipal({ kind: 'api_key', id: 'k1' }, [
      BUILT_IN_ROLES.administrator,
    ]);
    expect(principal).toEqual({
      kind: 'api_key',
      id: 'k1',
      admin: false,
      environments: {},
      allEnvironments: [],
    });
  });

  it('rejects unknown kinds and missing ids', () => {
    for (const identity of [
      { kind: 'root', id: 'x' },
      { kind: 'user' },
      { kind: 'agent', id: '' },
      null,
    ]) {
      let caught: unknown;
      try {
        resolvePrincipal(identity as Identity);
      } catch (error) {
        caught = error;
      }
      expect(RbacError.is(caught)).toBe(true);
      expect((caught as RbacError).code).toBe('invalid_identity');
    }
  });
});
