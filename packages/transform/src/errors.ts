const TRANSFORM_ERROR = Symbol.for('weft.transform.error');

export type TransformErrorCode =
  /** An option is out of range or of the wrong type. */
  | 'invalid_option'
  /** The source is not an async iterable of strings or bytes. */
  | 'invalid_source'
  /** A value cannot be written as JSON without losing or changing data. */
  | 'not_json_serializable';

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
