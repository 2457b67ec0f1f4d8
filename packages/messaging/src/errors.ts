const MESSAGING_ERROR_BRAND = Symbol.for('weft.messaging.error');

/**
 * Every reason @weft/messaging refuses an input or a connection. Transports map these with
 * an exhaustive switch, so adding a code here is a compile error until each mapper handles it.
 */
export const MESSAGING_ERROR_CODES = [
  /** An id cannot be used as a subject token (empty, too long, or a character outside A-Z a-z 0-9 _ -). */
  'INVALID_SUBJECT_TOKEN',
  /** A subject does not follow `weft.<org>.<env>.<group>.<kind>`. */
  'INVALID_SUBJECT',
  /** A message envelope is malformed: not JSON, a missing, unknown or ill-typed field. */
  'INVALID_ENVELOPE',
  /** A message envelope carries a version this build does not read. */
  'UNSUPPORTED_ENVELOPE_VERSION',
  /** A message envelope is larger than the configured limit. */
  'ENVELOPE_TOO_LARGE',
  /** A NATS server URL cannot be parsed or uses an unsupported scheme. */
  'INVALID_NATS_URL',
  /** The first connection to NATS failed or timed out. */
  'NATS_UNREACHABLE',
  /** NATS refused the credentials. */
  'NATS_AUTH_FAILED',
] as const;

export type MessagingErrorCode = (typeof MESSAGING_ERROR_CODES)[number];

/**
 * The one error class of @weft/messaging. Messages name the offending field and what is
 * wrong with it, never the raw input (which may be hostile) nor credentials. Use
 * `MessagingError.is(x)` rather than `instanceof`: two copies of this package in one
 * process have two distinct classes but share the brand.
 */
export class MessagingError extends Error {
  readonly [MESSAGING_ERROR_BRAND] = true;
  readonly code: MessagingErrorCode;
  /** The input field at fault, when there is one (`orgId`, `payload`, …). */
  readonly field: string | undefined;

  constructor(
    code: MessagingErrorCode,
    message: string,
    options?: { field?: string; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MessagingError';
    this.code = code;
    this.field = options?.field;
  }

  static is(value: unknown): value is MessagingError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[MESSAGING_ERROR_BRAND] === true
    );
  }
}
