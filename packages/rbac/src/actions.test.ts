import {
  ACTION_CATALOGUE,
  ACTIONS,
  describeAction,
  isAction,
  requirementOf,
  type ActionRequirement,
} from './actions.js';

/**
 * The catalogue, pinned. A change to who can do what must change this table too, so that it
 * shows up in review as a permission change. `member` = any member of the organization.
 */
const EXPECTED_CATALOGUE: Record<string, string> = {
  'system.health': 'public',
  'system.ready': 'public',
  'system.docs': 'public',
  'session.create': 'public',
  'account.register': 'public',
  'agent.authenticate': 'public',
  'agent.work': 'agent',
  'session.read': 'authenticated',
  'session.manage': 'authenticated',
  'two_factor.manage': 'authenticated',
  'account.manage': 'authenticated',
  'invitation.accept': 'authenticated',
  'organization.list': 'authenticated',
  'organization.read': 'organization member',
  'organization.manage': 'organization admin',
  'api_key.manage': 'organization member',
  'environment.manage': 'organization admin',
  'role.manage': 'organization admin',
  'member.manage': 'organization admin',
  'invitation.manage': 'organization admin',
  'policy.manage': 'organization admin',
  'audit.read': 'organization admin',
  'activity.read': 'environment view_logs',
  'agent.enrol': 'environment agent_install',
  'agent_group.manage': 'environment agent_install',
  'project.read': 'environment read',
  'deployment.read': 'environment read',
  'secret.list': 'environment read',
  'operation.run': 'environment execute',
  'secret.resolve': 'environment execute',
  'run.retry': 'environment execute',
  'run.cancel': 'environment execute',
  'project.write': 'environment write',
  'project.deploy': 'environment write',
  'secret.write': 'environment write',
  'schedule.manage': 'environment write',
};

function summary(requirement: ActionRequirement): string {
  switch (requirement.scope) {
    case 'public':
    case 'authenticated':
    case 'agent':
      return requirement.scope;
    case 'organization':
      return requirement.admin ? 'organization admin' : 'organization member';
    case 'environment':
      return `environment ${requirement.level}`;
  }
}

describe('action catalogue', () => {
  it('matches the pinned table exactly (no action added, removed or re-scoped unreviewed)', () => {
    const actual = Object.fromEntries(
      ACTIONS.map((action) => [action, summary(ACTION_CATALOGUE[action])]),
    );
    expect(actual).toEqual(EXPECTED_CATALOGUE);
  });

  it('describes every action in words', () => {
    for (const action of ACTIONS) {
      expect(ACTION_CATALOGUE[action].description.length).toBeGreaterThan(10);
      expect(action).toMatch(/^[a-z_]+\.[a-z_]+$/);
    }
  });

  it('recognises catalogue names only, never inherited object keys', () => {
    expect(ACTIONS.every(isAction)).toBe(true);
    for (const name of [
      'toString',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      '',
      'project',
      'project.delete',
      42,
      null,
    ]) {
      expect(isAction(name)).toBe(false);
      expect(requirementOf(name as string)).toBeUndefined();
    }
  });

  it('describes an action and its requirement in one line', () => {
    expect(describeAction('project.deploy')).toBe(
      'project.deploy: Deploy a project to an environment (needs write access on the environment)',
    );
    expect(describeAction('audit.read')).toContain('needs admin permission in the organization');
    expect(describeAction('organization.read')).toContain('needs membership of the organization');
    expect(describeAction('system.health')).toContain('open to anyone');
    expect(describeAction('session.read')).toContain('any signed-in identity');
    expect(describeAction('project.delete')).toBe(
      '"project.delete": unknown action (denied to everyone)',
    );
  });

  it('cannot be changed at run time', () => {
    const catalogue = ACTION_CATALOGUE as unknown as Record<string, Record<string, unknown>>;
    expect(() => {
      catalogue['project.deploy']!.level = 'read';
    }).toThrow(TypeError);
    expect(() => {
      catalogue['backdoor.open'] = { scope: 'public', description: 'x' };
    }).toThrow(TypeError);
    expect(() => (ACTIONS as string[]).push('backdoor.open')).toThrow(TypeError);
    expect(isAction('backdoor.open')).toBe(false);
  });
});
