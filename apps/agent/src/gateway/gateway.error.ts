const BRAND = Symbol.for('weft.agent.gateway.error');

export const GATEWAY_ERROR_CODES = [
  /** The agent was disabled or revoked by an administrator: it stops. */
  'AGENT_REVOKED',
  /** Enrolment refused: the token is invalid, expired or already used. The agent stops. */
  'ENROLMENT_TOKEN_INVALID',
  /** identity.json in stateDir is unreadable or malformed. The agent stops. */
  'AGENT_IDENTITY_INVALID',
  /** Network error or 5xx after every retry: worth trying again later. */
  'GATEWAY_UNAVAILABLE',
  /** Any other 4xx: the gateway refused the call (its error code is kept in `gatewayCode`). */
  'GATEWAY_REFUSED',
  /** The gateway answered something the protocol does not allow. */
  'GATEWAY_PROTOCOL_ERROR',
  /** The caller's signal aborted the call. */
  'GATEWAY_CALL_ABORTED',
] as const;
export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

const STOPS_AGENT: ReadonlySet<GatewayErrorCode> = new Set([
  'AGENT_REVOKED',
  'ENROLMENT_TOKEN_INVALID',
  'AGENT_IDENTITY_INVALID',
]);

/** A failed exchange with the gateway. Messages name the call and status, never a token or lease. */
export class AgentGatewayError extends Error {
  readonly [BRAND] = true;
  override readonly name = 'AgentGatewayError';

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** The HTTP status, when the gateway answered. */
    readonly status: number | null = null,
    /** The gateway's own error code (`{ error: { code } }`), when it sent one. */
    readonly gatewayCode: string | null = null,
  ) {
    super(message);
  }

  /** True when the agent cannot go on (revoked, refused enrolment, broken identity). */
  get stopsAgent(): boolean {
    return STOPS_AGENT.has(this.code);
  }

  static is(value: unknown): value is AgentGatewayError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [BRAND]?: unknown })[BRAND] === true
    );
  }
}
