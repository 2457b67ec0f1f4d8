const HARNESS_ERROR_BRAND = Symbol.for('weft.testing.error');

/** Every reason the test harness refuses or fails. */
export const HARNESS_ERROR_CODES = [
  /** The `nats-server` binary is neither on PATH nor at NATS_SERVER_BIN. */
  'NATS_SERVER_NOT_FOUND',
  /** A service process exited or did not become ready in time. */
  'SERVICE_START_FAILED',
  /** A stopped service did not release its port in time. */
  'PORT_STILL_IN_USE',
  /** Options contradict each other or the filesystem (e.g. a non-empty data directory). */
  'INVALID_OPTIONS',
  /** A persistent PostgreSQL cluster exists but its superuser password file does not. */
  'PASSWORD_FILE_MISSING',
  /** A helper for test files ran without the jest global setup having published its environment. */
  'GLOBAL_SETUP_MISSING',
  /** The service was stopped for good; start a new one. */
  'SERVICE_STOPPED',
] as const;

export type HarnessErrorCode = (typeof HARNESS_ERROR_CODES)[number];

/**
 * The one error class of @weft/testing. Messages never contain passwords; they name
 * ports, directories and the last lines a failed service printed. Use `HarnessError.is(x)`
 * rather than `instanceof`: the jest global setup and the test files can load different
 * copies of this package (built output vs. source), which share only the brand.
 */
export class HarnessError extends Error {
  readonly [HARNESS_ERROR_BRAND] = true;
  readonly code: HarnessErrorCode;

  constructor(code: HarnessErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HarnessError';
    this.code = code;
  }

  static is(value: unknown): value is HarnessError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[HARNESS_ERROR_BRAND] === true
    );
  }
}
