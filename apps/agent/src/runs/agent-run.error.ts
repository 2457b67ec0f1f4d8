const BRAND = Symbol.for('weft.agent.run.error');

export type AgentRunErrorCode = 'run-directory-outside-work-dir';

export class AgentRunError extends Error {
  readonly [BRAND] = true;
  override readonly name = 'AgentRunError';

  constructor(
    readonly code: AgentRunErrorCode,
    message: string,
  ) {
    super(message);
  }

  static is(value: unknown): value is AgentRunError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [BRAND]?: unknown })[BRAND] === true
    );
  }
}
