const RBAC_ERROR = Symbol.for('weft.rbac.error');

export type RbacErrorCode = 'invalid_role' | 'invalid_identity';

/**
 * Malformed role or identity data handed to this package. Permission *denials* are not
 * errors: `can()` returns false and `explain()` says why.
 */
export class RbacError extends Error {
  readonly [RBAC_ERROR] = true;
  constructor(
    readonly code: RbacErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RbacError';
  }
  static is(value: unknown): value is RbacError {
    return typeof value === 'object' && value !== null && RBAC_ERROR in value;
  }
}
