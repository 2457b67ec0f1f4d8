const ACTIVITY_ERROR = Symbol.for('weft.control-plane.activity-error');

export type ActivityErrorCode =
  /** A filter, the cursor or Last-Event-ID is malformed; `field` names it. */
  | 'ACTIVITY_FILTER_INVALID'
  /** No such run in this environment (or it is past the activity window). */
  | 'NOT_FOUND'
  /** The identity already has as many activity streams open as it may. */
  | 'ACTIVITY_STREAMS_EXCEEDED';

/** A request the activity log cannot serve; `code` is stable. */
export class ActivityError extends Error {
  readonly [ACTIVITY_ERROR] = true;
  override name = 'ActivityError';
  constructor(
    readonly code: ActivityErrorCode,
    message: string,
    /** The query parameter (or header) at fault, for ACTIVITY_FILTER_INVALID. */
    readonly field?: string,
  ) {
    super(message);
  }
  static is(value: unknown): value is ActivityError {
    return typeof value === 'object' && value !== null && ACTIVITY_ERROR in value;
  }
}

export function filterInvalid(field: string, expectation: string): ActivityError {
  return new ActivityError('ACTIVITY_FILTER_INVALID', `${field} ${expectation}`, field);
}
