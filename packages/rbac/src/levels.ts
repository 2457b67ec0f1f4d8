/**
 * The access levels a role grants on one environment, as in the Harmony access model:
 * `view_logs` and `agent_install` are deliberately narrow (no project visibility), `execute`
 * includes `read`, and `write` includes `read` and `execute`.
 */
export const ACCESS_LEVELS = Object.freeze([
  'view_logs',
  'agent_install',
  'read',
  'execute',
  'write',
] as const);

export type AccessLevel = (typeof ACCESS_LEVELS)[number];

// Each level with every level it implies (itself included). Kept as data so that the
// implication is reviewed in one place and cannot drift between functions.
const IMPLIED: Readonly<Record<AccessLevel, readonly AccessLevel[]>> = Object.freeze({
  view_logs: Object.freeze(['view_logs'] as const),
  agent_install: Object.freeze(['agent_install'] as const),
  read: Object.freeze(['read'] as const),
  execute: Object.freeze(['execute', 'read'] as const),
  write: Object.freeze(['write', 'execute', 'read'] as const),
});

export function isAccessLevel(value: unknown): value is AccessLevel {
  return typeof value === 'string' && (ACCESS_LEVELS as readonly string[]).includes(value);
}

/** The level itself and every level it implies, e.g. `write` → `write`, `execute`, `read`. */
export function impliedLevels(level: AccessLevel): readonly AccessLevel[] {
  if (!isAccessLevel(level)) return [];
  return IMPLIED[level];
}

/**
 * The closure of a set of granted levels under implication, in `ACCESS_LEVELS` order and
 * without duplicates. Values that are not access levels are dropped: an unknown grant
 * (say, from a stale database row) grants nothing rather than something.
 */
export function effectiveLevels(levels: Iterable<unknown>): AccessLevel[] {
  const granted = new Set<AccessLevel>();
  for (const level of levels) {
    if (isAccessLevel(level)) for (const implied of IMPLIED[level]) granted.add(implied);
  }
  return ACCESS_LEVELS.filter((level) => granted.has(level));
}
