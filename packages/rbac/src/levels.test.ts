import {
  ACCESS_LEVELS,
  effectiveLevels,
  impliedLevels,
  isAccessLevel,
  type AccessLevel,
} from './levels.js';

// The access model, written out independently of the implementation.
const EXPECTED_IMPLIED: Record<AccessLevel, AccessLevel[]> = {
  view_logs: ['view_logs'],
  agent_install: ['agent_install'],
  read: ['read'],
  execute: ['execute', 'read'],
  write: ['write', 'execute', 'read'],
};

describe('access levels', () => {
  it('lists the five Harmony levels', () => {
    expect([...ACCESS_LEVELS].sort()).toEqual(Object.keys(EXPECTED_IMPLIED).sort());
  });

  it.each(ACCESS_LEVELS)('%s implies exactly what the access model says', (level) => {
    expect([...impliedLevels(level)].sort()).toEqual([...EXPECTED_IMPLIED[level]].sort());
  });

  it('keeps view_logs and agent_install narrow: neither implies read', () => {
    expect(impliedLevels('view_logs')).not.toContain('read');
    expect(impliedLevels('agent_install')).not.toContain('read');
    expect(impliedLevels('read')).not.toContain('view_logs');
    expect(impliedLevels('write')).not.toContain('agent_install');
  });

  it('closes a set of levels under implication, ordered and without duplicates', () => {
    expect(effectiveLevels(['write', 'view_logs', 'write'])).toEqual([
      'view_logs',
      'read',
      'execute',
      'write',
    ]);
    expect(effectiveLevels(['execute'])).toEqual(['read', 'execute']);
    expect(effectiveLevels([])).toEqual([]);
  });

  it('drops values that are not levels, so a stale grant grants nothing', () => {
    expect(effectiveLevels(['admin', 'READ', 42, null, 'read'])).toEqual(['read']);
    expect(impliedLevels('owner' as AccessLevel)).toEqual([]);
    expect(isAccessLevel('toString')).toBe(false);
    expect(isAccessLevel('execute')).toBe(true);
  });

  it('cannot be changed at run time', () => {
    expect(() => (ACCESS_LEVELS as unknown as string[]).push('root')).toThrow(TypeError);
    expect(() => (impliedLevels('read') as AccessLevel[]).push('write')).toThrow(TypeError);
  });
});
