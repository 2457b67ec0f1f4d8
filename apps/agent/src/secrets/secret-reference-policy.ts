/**
 * What the agent's operator allows secret references to reach. Anyone with write access to an
 * environment's secrets can write a reference, so the agent resolves nothing by default: only the
 * variables and directories listed here, and never the agent's own settings or files.
 */
export interface SecretReferencePolicy {
  /** `env:` references: exact variable names, or prefixes written with a trailing `*`. */
  readonly envVariables: readonly string[];
  /** `file:` references: absolute directories whose files (by real path) may be read. */
  readonly fileDirectories: readonly string[];
  /**
   * The agent's own directories and config file: never read, whatever fileDirectories says.
   * Start-up already refuses overlapping directories; this is the second wall at resolution time.
   */
  readonly protectedPaths: readonly string[];
}

/** The policy of an agent whose operator allowed nothing. */
export const NO_SECRET_REFERENCES: SecretReferencePolicy = Object.freeze({
  envVariables: Object.freeze([]),
  fileDirectories: Object.freeze([]),
  protectedPaths: Object.freeze([]),
});

/** The agent's own settings (enrolment token, proxy credentials) travel in these variables. */
export const AGENT_OWN_VARIABLE_PREFIX = 'WEFT_AGENT_';

/** One secretEnvVariables entry: a variable name, optionally ending in `*` to allow a prefix. */
export const SECRET_ENV_VARIABLE_ENTRY = /^(?:[A-Za-z_][A-Za-z0-9_]{0,127}\*?|\*)$/;

/** Case-insensitive: on Windows the environment is, and nothing legitimate needs the distinction. */
export function isAgentOwnVariable(name: string): boolean {
  return name.toUpperCase().startsWith(AGENT_OWN_VARIABLE_PREFIX);
}

/** Whether an allow-list entry could admit one of the agent's own variables (`WEFT_*`, `*`, `WEFT_AGENT_X`). */
export function admitsAgentOwnVariables(entry: string): boolean {
  const upper = entry.toUpperCase();
  if (!upper.endsWith('*')) return isAgentOwnVariable(upper);
  const prefix = upper.slice(0, -1);
  return (
    AGENT_OWN_VARIABLE_PREFIX.startsWith(prefix) || prefix.startsWith(AGENT_OWN_VARIABLE_PREFIX)
  );
}

export function isEnvVariableAllowed(name: string, policy: SecretReferencePolicy): boolean {
  // Checked here as well as at start-up, so a hand-built policy cannot open the agent's settings.
  if (isAgentOwnVariable(name)) return false;
  return policy.envVariables.some((entry) =>
    entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry,
  );
}
