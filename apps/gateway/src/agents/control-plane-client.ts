import {
  AGENT_SERVICE_SUBJECTS,
  type AgentIdentity,
  type AgentServiceReply,
  type SealedRunSecret,
} from '@weft/messaging';
import type { NatsConnection } from 'nats';
import { GatewayError } from './gateway-error.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The gateway's questions to the control plane, as NATS requests (answers on the gateway's
 * private inbox). The gateway never touches PostgreSQL; it asks.
 */
export class ControlPlaneClient {
  constructor(
    private readonly nats: NatsConnection,
    private readonly timeoutMs = 5000,
  ) {}

  enrol(request: {
    token: string;
    publicKey: string;
    name: string;
    version?: string;
    host?: string;
  }): Promise<AgentIdentity> {
    return this.#ask(AGENT_SERVICE_SUBJECTS.enrol, request);
  }

  identity(agentId: string): Promise<AgentIdentity> {
    return this.#ask(AGENT_SERVICE_SUBJECTS.identity, { agentId });
  }

  heartbeat(report: {
    agentId: string;
    version?: string;
    host?: string;
    runningRuns: number;
    maxConcurrentRuns: number;
  }): Promise<object> {
    return this.#ask(AGENT_SERVICE_SUBJECTS.heartbeat, report);
  }

  /** Asked on every run report: answered within `timeoutMs` (default 1 s) or not at all. */
  runStatus(orgId: string, runId: string, timeoutMs = 1000): Promise<{ cancelRequested: boolean }> {
    return this.#ask(AGENT_SERVICE_SUBJECTS.runStatus, { orgId, runId }, timeoutMs);
  }

  /**
   * The run's vault secrets sealed for the agent's `publicKey`; every other field comes from the
   * lease. The answer is relayed as it is: the gateway cannot open it.
   */
  runSecrets(request: {
    orgId: string;
    environmentId: string;
    runId: string;
    agentId: string;
    attempt: number;
    publicKey: string;
  }): Promise<{ secrets: SealedRunSecret[] }> {
    return this.#ask(AGENT_SERVICE_SUBJECTS.runSecrets, request);
  }

  async #ask<T>(subject: string, request: object, timeoutMs = this.timeoutMs): Promise<T> {
    let data: Uint8Array;
    try {
      const reply = await this.nats.request(subject, encoder.encode(JSON.stringify(request)), {
        timeout: timeoutMs,
      });
      data = reply.data;
    } catch (error) {
      throw new GatewayError(
        'CONTROL_PLANE_UNAVAILABLE',
        'the control plane did not answer; try again shortly',
        { cause: error },
      );
    }
    const answer = JSON.parse(decoder.decode(data)) as AgentServiceReply<T>;
    if (answer.ok) return answer.result;
    throw new GatewayError(answer.error.code, answer.error.message);
  }
}
