/** The process exit codes scripts can rely on (README "Exit codes"). */
export const EXIT = Object.freeze({
  ok: 0,
  /** A run failed or was cancelled, or an operation was refused (conflict, server error, network). */
  failed: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  validation: 5,
  /** `weft run --wait --timeout`: the run had not finished in time (the `timeout(1)` convention). */
  timeout: 124,
  /** Stopped with Ctrl-C. */
  interrupted: 130,
});
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type CliErrorCode =
  'usage' | 'auth' | 'not_found' | 'validation' | 'failed' | 'timeout' | 'interrupted' | 'config';

const EXIT_OF: Record<CliErrorCode, ExitCode> = {
  usage: EXIT.usage,
  auth: EXIT.auth,
  not_found: EXIT.notFound,
  validation: EXIT.validation,
  failed: EXIT.failed,
  timeout: EXIT.timeout,
  interrupted: EXIT.interrupted,
  // A credentials file we refuse to read is the user's setup to fix, like a usage error.
  config: EXIT.usage,
};

/** One problem the API or the project parser reported, shown as `path: message`. */
export interface Problem {
  path: string;
  code?: string;
  message: string;
}

const CLI_ERROR = Symbol.for('weft.cli.error');

/**
 * What ends a command early: its message is the one `weft: …` line on stderr, its code picks the
 * exit code. `apiCode` is the control plane's stable code when the API refused the request.
 */
export class CliError extends Error {
  readonly [CLI_ERROR] = true;
  readonly problems: readonly Problem[];
  readonly apiCode: string | undefined;
  constructor(
    readonly code: CliErrorCode,
    message: string,
    details: { problems?: readonly Problem[]; apiCode?: string } = {},
  ) {
    super(message);
    this.problems = details.problems ?? [];
    this.apiCode = details.apiCode;
  }

  get exitCode(): ExitCode {
    return EXIT_OF[this.code];
  }

  static is(value: unknown): value is CliError {
    return typeof value === 'object' && value !== null && CLI_ERROR in value;
  }
}

export function usageError(message: string): CliError {
  return new CliError('usage', message);
}
