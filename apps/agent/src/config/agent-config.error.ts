const BRAND = Symbol.for('weft.agent.config.error');

export type AgentConfigErrorCode =
  'invalid-settings' | 'config-file-unreadable' | 'config-file-malformed';

/** One problem with one setting; `message` never contains the setting's value (it may be a secret). */
export interface ConfigProblem {
  /** The YAML key, or the environment variable name when the problem is an unknown variable. */
  readonly setting: string;
  /** The matching `WEFT_AGENT_*` variable, when there is one. */
  readonly env?: string;
  readonly message: string;
}

/** The agent cannot start with this configuration. The CLI prints `describe()` as one line and exits 2. */
export class AgentConfigError extends Error {
  readonly [BRAND] = true;
  override readonly name = 'AgentConfigError';

  constructor(
    readonly code: AgentConfigErrorCode,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.map(formatProblem).join('; '));
  }

  static is(value: unknown): value is AgentConfigError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [BRAND]?: unknown })[BRAND] === true
    );
  }
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.env === undefined
    ? `${problem.setting} ${problem.message}`
    : `${problem.setting} (${problem.env}) ${problem.message}`;
}
