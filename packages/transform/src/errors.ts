const TRANSFORM_ERROR = Symbol.for('weft.transform.error');

export type TransformErrorCode =
  /** An option is out of range or of the wrong type. */
  | 'invalid_option'
  /** The source is not an async iterable of strings or bytes. */
  | 'invalid_source'
  /** A value cannot be written as JSON without losing or changing data. */
  | 'not_json_serializable'
  /** The input's bytes are not valid in its encoding; the message names the byte offset. */
  | 'invalid_encoding'
  /** The input cannot be read further (unclosed tag, broken quoting at end of input…); the message names line and column. */
  | 'malformed_input'
  /** The input goes past a safety limit (nesting depth, field or record size, entity count…); the message names the limit. */
  | 'limit_exceeded'
  /** The input uses a feature Weft refuses by design (a DTD, an external entity…); the message names it and where. */
  | 'unsupported_input'
  /** A value does not fit the target format (an object in a CSV cell, a name that is not an XML name…). */
  | 'not_representable';

/**
 * A transform failed as a whole (bad options, a bad source, a value that cannot be written).
 * A bad *record* in a readable source is not an error: readers yield a failed-record result
 * and carry on. Messages name what is wrong and where, never the data itself.
 */
export class TransformError extends Error {
  readonly [TRANSFORM_ERROR] = true;
  constructor(
    readonly code: TransformErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransformError';
  }
  static is(value: unknown): value is TransformError {
    return typeof value === 'object' && value !== null && TRANSFORM_ERROR in value;
  }
}
