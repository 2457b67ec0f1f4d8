const CONNECTOR_ERROR = Symbol.for('weft.connector.error');

export type ConnectorErrorCode =
  | 'invalid_config'
  | 'egress_denied'
  | 'protocol_denied'
  | 'auth_failed'
  | 'not_found'
  | 'remote_error'
  | 'timeout'
  | 'cancelled'
  | 'private_only'
  | 'record_rejected';

/** Every code, in a fixed order (documentation and exhaustive mappers use it). */
export const CONNECTOR_ERROR_CODES: readonly ConnectorErrorCode[] = [
  'invalid_config',
  'egress_denied',
  'protocol_denied',
  'auth_failed',
  'not_found',
  'remote_error',
  'timeout',
  'cancelled',
  'private_only',
  'record_rejected',
];

// Transient by nature: a later attempt may succeed without anyone changing anything.
const RETRYABLE_BY_DEFAULT: ReadonlySet<ConnectorErrorCode> = new Set(['remote_error', 'timeout']);

export interface ConnectorErrorOptions {
  /** Overrides the code's default (e.g. a 400 remote_error is not retryable). */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/**
 * A connector failure with a stable code. Messages never quote record data or secret values.
 * Recognise it with `ConnectorError.is(x)`, not `instanceof`: errors cross package copies.
 */
export class ConnectorError extends Error {
  readonly [CONNECTOR_ERROR] = true;
  readonly retryable: boolean;
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    options: ConnectorErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
  }
  static is(value: unknown): value is ConnectorError {
    return typeof value === 'object' && value !== null && CONNECTOR_ERROR in value;
  }
}
