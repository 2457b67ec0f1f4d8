import type { Logger } from '@weft/log-schema';
import type { SecretValue } from '../config/secret-value.js';
import {
  generateAgentKeyPair,
  readAgentIdentity,
  signChallenge,
  writeAgentIdentity,
  type AgentIdentity,
  type AgentKeyPair,
} from '../identity/agent-identity.js';
import { AgentGatewayError } from './gateway.error.js';
import type { GatewayResponse, GatewayTransport } from './gateway-transport.js';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.js';

export interface GatewayClientOptions {
  readonly transport: Pick<GatewayTransport, 'post'>;
  readonly stateDir: string;
  /** Used only while stateDir holds no identity. */
  readonly enrolmentToken: SecretValue | null;
  /** Sent with the enrolment: how the agent shows in its group. */
  readonly agent: { readonly name: string; readonly version: string; readonly host: string };
  /** The agentGroupId setting: the token decides the group, a different one is worth a warning. */
  readonly expectedGroupId?: string;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
  readonly now?: () => number;
}

export interface GatewayCallOptions {
  readonly signal?: AbortSignal;
  readonly retry?: RetryPolicy;
}

interface AccessToken {
  readonly value: string;
  readonly expiresAt: number;
  readonly issuedAt: number;
}

/**
 * The agent's side of the gateway protocol's identity part: enrols once, proves itself with its
 * Ed25519 key for short-lived access tokens, and makes authenticated calls (new token and one
 * retry on 401; backoff on network errors and 5xx). A 401 AGENT_REVOKED stops it for good:
 * `stopSignal` aborts with the error and every later call fails with it.
 */
export class GatewayClient {
  readonly #options: GatewayClientOptions;
  readonly #stop = new AbortController();
  #identity: Promise<AgentIdentity> | undefined;
  #keyPair: AgentKeyPair | undefined;
  #token: AccessToken | undefined;
  #renewing: Promise<AccessToken> | undefined;

  constructor(options: GatewayClientOptions) {
    this.#options = options;
  }

  /** Aborted, with the AgentGatewayError as reason, once the agent must stop (revoked, refused). */
  get stopSignal(): AbortSignal {
    return this.#stop.signal;
  }

  /** The identity in stateDir, enrolling first when there is none. */
  identity(signal?: AbortSignal): Promise<AgentIdentity> {
    this.#identity ??= this.#loadOrEnrol(signal).then(
      (identity) => this.#checkGroup(identity),
      (error: unknown) => {
        this.#identity = undefined; // a transient failure is retried on the next call
        throw this.#stopIfFatal(error);
      },
    );
    return this.#identity;
  }

  #checkGroup(identity: AgentIdentity): AgentIdentity {
    const expected = this.#options.expectedGroupId;
    if (expected !== undefined && expected !== identity.groupId) {
      this.#options.logger.warn(
        'this agent belongs to another agent group than agentGroupId says; the enrolment decides',
        { agentGroupId: expected, enrolledGroupId: identity.groupId },
      );
    }
    return identity;
  }

  /** An authenticated POST; resolves with any 2xx answer, throws AgentGatewayError otherwise. */
  async call(
    path: string,
    body: unknown,
    options: GatewayCallOptions = {},
  ): Promise<GatewayResponse> {
    this.#throwIfStopped();
    const signal = anySignal(options.signal, this.#stop.signal);
    try {
      return await withRetries(
        options.retry ?? this.#retry,
        signal,
        async () => {
          let token = await this.#accessToken(signal);
          let response = await this.#options.transport.post(path, body, {
            accessToken: token.value,
            signal,
          });
          if (response.status === 401 && !isRevoked(response)) {
            // Expired or issued by a key the gateways no longer share: authenticate again, once.
            token = await this.#renewToken(token, signal);
            response = await this.#options.transport.post(path, body, {
              accessToken: token.value,
              signal,
            });
          }
          return expectSuccess(path, response);
        },
        (error, delayMs) =>
          this.#options.logger.debug('gateway call failed; retrying', {
            path,
            error: error.message,
            retryInMs: delayMs,
          }),
      );
    } catch (error) {
      throw this.#stopIfFatal(error);
    }
  }

  get #retry(): RetryPolicy {
    return this.#options.retry ?? DEFAULT_RETRY;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  async #loadOrEnrol(signal: AbortSignal | undefined): Promise<AgentIdentity> {
    const stored = await readAgentIdentity(this.#options.stateDir);
    if (stored !== null) return stored;
    const token = this.#options.enrolmentToken;
    if (token === null) {
      throw new AgentGatewayError(
        'ENROLMENT_TOKEN_INVALID',
        'the agent has no identity in stateDir and no enrolmentToken to enrol with',
      );
    }
    // One key pair per process: a retried enrolment offers the same public key.
    this.#keyPair ??= generateAgentKeyPair();
    const keyPair = this.#keyPair;
    const { agent, logger } = this.#options;
    // Not retried here: the caller's retries cover it (and a token is single use anyway).
    const response = await this.#options.transport.post(
      '/agent/v1/enrol',
      {
        token: token.reveal(),
        publicKey: keyPair.publicKey,
        name: agent.name,
        version: agent.version,
        host: agent.host,
      },
      signal === undefined ? {} : { signal },
    );
    // 401 is the protocol's refusal; any other 4xx (a malformed token fails validation with 400) is
    // just as final: trying the same token again cannot succeed.
    const { status } = response;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      const gatewayCode = errorCodeOf(response);
      throw new AgentGatewayError(
        'ENROLMENT_TOKEN_INVALID',
        `enrolment refused (${status}${gatewayCode === null ? '' : ` ${gatewayCode}`}): the enrolment token is invalid, expired or already used; create a new one and set WEFT_AGENT_ENROLMENT_TOKEN`,
        status,
        gatewayCode,
      );
    }
    const body = expectSuccess('/agent/v1/enrol', response).body as Record<string, unknown>;
    const identity: AgentIdentity = {
      agentId: requireString(body, 'agentId', '/agent/v1/enrol'),
      orgId: requireString(body, 'orgId', '/agent/v1/enrol'),
      groupId: requireString(body, 'groupId', '/agent/v1/enrol'),
      publicKey: keyPair.publicKey,
      privateKey: keyPair.privateKey,
    };
    await writeAgentIdentity(this.#options.stateDir, identity);
    logger.info('agent enrolled; identity stored in stateDir (remove the enrolment token now)', {
      agentId: identity.agentId,
      groupId: identity.groupId,
    });
    return identity;
  }

  async #accessToken(signal: AbortSignal): Promise<AccessToken> {
    const token = this.#token;
    if (token !== undefined && !this.#dueForRenewal(token)) return token;
    return this.#renewToken(token, signal);
  }

  /** Renew ahead of expiry: at a fifth of the lifetime left, at most a minute before. */
  #dueForRenewal(token: AccessToken): boolean {
    const margin = Math.min(60_000, (token.expiresAt - token.issuedAt) / 5);
    return this.#now() >= token.expiresAt - margin;
  }

  /** One renewal at a time; a caller holding an already-replaced token gets the new one. */
  async #renewToken(stale: AccessToken | undefined, signal: AbortSignal): Promise<AccessToken> {
    for (;;) {
      const current = this.#token;
      if (current !== undefined && current !== stale && !this.#dueForRenewal(current)) {
        return current;
      }
      this.#renewing ??= this.#authenticate(signal).finally(() => (this.#renewing = undefined));
      try {
        return await this.#renewing;
      } catch (error) {
        // The renewal ran on another caller's signal, which aborted: this caller still wants a token.
        const abortedElsewhere =
          AgentGatewayError.is(error) && error.code === 'GATEWAY_CALL_ABORTED' && !signal.aborted;
        if (!abortedElsewhere) throw error;
      }
    }
  }

  async #authenticate(signal: AbortSignal): Promise<AccessToken> {
    const identity = await this.identity(signal);
    // Not retried here: every caller of #authenticate sits inside call()'s retries.
    const post = async (path: string, body: unknown) =>
      expectSuccess(path, await this.#options.transport.post(path, body, { signal }));
    const challenge = requireString(
      (await post('/agent/v1/challenge', { agentId: identity.agentId })).body,
      'challenge',
      '/agent/v1/challenge',
    );
    const answer = await post('/agent/v1/token', {
      agentId: identity.agentId,
      challenge,
      signature: signChallenge(identity.privateKey, challenge),
    });
    const value = requireString(answer.body, 'accessToken', '/agent/v1/token');
    const expiresAt = Date.parse(requireString(answer.body, 'expiresAt', '/agent/v1/token'));
    if (Number.isNaN(expiresAt)) {
      throw new AgentGatewayError(
        'GATEWAY_PROTOCOL_ERROR',
        '/agent/v1/token: expiresAt is not a date',
      );
    }
    // Not registered with the log masking: nothing logs it, and a token every few minutes
    // would grow the masking pattern without bound on a long-lived agent.
    this.#token = { value, expiresAt, issuedAt: this.#now() };
    return this.#token;
  }

  #throwIfStopped(): void {
    if (this.#stop.signal.aborted) throw this.#stop.signal.reason as Error;
  }

  /** Fatal errors stop the client (once); the stop reason replaces aborts it caused. */
  #stopIfFatal(error: unknown): unknown {
    if (AgentGatewayError.is(error) && error.stopsAgent && !this.#stop.signal.aborted) {
      this.#stop.abort(error);
    }
    if (this.#stop.signal.aborted) return this.#stop.signal.reason;
    return error;
  }
}

/** Hands a value to the logger's secret masking, when the logger has one. */
export function registerSecret(logger: Logger, value: string): void {
  const masking = (logger as { addSecretValues?: (values: Iterable<string>) => void })
    .addSecretValues;
  if (typeof masking === 'function') masking.call(logger, [value]);
}

function isRevoked(response: GatewayResponse): boolean {
  return response.status === 401 && errorCodeOf(response) === 'AGENT_REVOKED';
}

function errorCodeOf(response: GatewayResponse): string | null {
  const code = (response.body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : null;
}

/** 2xx passes; 401 AGENT_REVOKED stops the agent; 5xx is worth a retry; any other status is refused. */
function expectSuccess(path: string, response: GatewayResponse): GatewayResponse {
  const { status } = response;
  if (status >= 200 && status < 300) return response;
  const gatewayCode = errorCodeOf(response);
  if (isRevoked(response)) {
    throw new AgentGatewayError(
      'AGENT_REVOKED',
      'the gateway says this agent was disabled or revoked (AGENT_REVOKED); it stops. Enrol it again with a new token if that was a mistake',
      status,
      gatewayCode,
    );
  }
  const what = `POST ${path} answered ${status}${gatewayCode === null ? '' : ` ${gatewayCode}`}`;
  if (status >= 500 || status === 429) {
    throw new AgentGatewayError('GATEWAY_UNAVAILABLE', what, status, gatewayCode);
  }
  throw new AgentGatewayError('GATEWAY_REFUSED', what, status, gatewayCode);
}

function requireString(body: unknown, field: string, path: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[field];
  if (typeof value !== 'string' || value === '') {
    throw new AgentGatewayError('GATEWAY_PROTOCOL_ERROR', `${path}: the answer has no ${field}`);
  }
  return value;
}

function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((signal) => signal !== undefined));
}
