const BRAND = Symbol.for('weft.agent.operation.error');

/** Why an operation could not run, beyond what connectors report with their own ConnectorError codes. */
export type OperationRunErrorCode =
  | 'invalid_operation'
  | 'connector_not_allowed'
  | 'connector_cannot_read'
  | 'connector_cannot_write'
  | 'private_only'
  | 'invalid_mapping'
  | 'mapping_failed'
  | 'secrets_unresolved'
  /** A `vault:` secret could not be had from the control plane, or not opened. */
  | 'secret_unavailable'
  | 'cancelled';

/** A run failure with a stable code; the message names the part of the operation, never record data. */
export class OperationRunError extends Error {
  readonly [BRAND] = true;
  override readonly name = 'OperationRunError';

  constructor(
    readonly code: OperationRunErrorCode,
    message: string,
  ) {
    super(message);
  }

  static is(value: unknown): value is OperationRunError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [BRAND]?: unknown })[BRAND] === true
    );
  }
}
