const GATEWAY_ERROR = Symbol.for('weft.gateway.error');

/** A refusal with a stable code; the HTTP layer turns it into `{ error: { code, message } }`. */
export class GatewayError extends Error {
  readonly [GATEWAY_ERROR] = true;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
  static is(value: unknown): value is GatewayError {
    return typeof value === 'object' && value !== null && GATEWAY_ERROR in value;
  }
}
