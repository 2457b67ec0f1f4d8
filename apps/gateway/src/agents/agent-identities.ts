import { AGENT_SERVICE_SUBJECTS, type AgentIdentity } from '@weft/messaging';
import type { NatsConnection, Subscription } from 'nats';
import type { ControlPlaneClient } from './control-plane-client.js';
import { GatewayError } from './gateway-error.js';

interface Entry {
  at: number;
  identity?: AgentIdentity;
  refusal?: GatewayError;
}

const MAX_ENTRIES = 100_000;

/**
 * Agents' identities as the control plane last told them, for at most `ttlMs` (5 s): every call
 * of an agent is checked against its current record, without a round trip per call. When an
 * agent is disabled, enabled or revoked the control plane broadcasts it and every gateway drops
 * its entry, so the agent is refused on its next call; the TTL bounds the window if a broadcast
 * is ever missed (a gateway reconnecting to NATS, say).
 */
export class AgentIdentities {
  readonly #entries = new Map<string, Entry>();
  readonly #subscription: Subscription;

  constructor(
    private readonly controlPlane: ControlPlaneClient,
    nats: NatsConnection,
    private readonly ttlMs = 5000,
  ) {
    this.#subscription = nats.subscribe(AGENT_SERVICE_SUBJECTS.agentChanged, {
      callback: (_error, message) => {
        try {
          const { agentId } = JSON.parse(new TextDecoder().decode(message.data)) as {
            agentId?: unknown;
          };
          if (typeof agentId === 'string') this.#entries.delete(agentId);
        } catch {
          // Not ours to answer; a malformed notice changes nothing.
        }
      },
    });
  }

  close(): void {
    this.#subscription.unsubscribe();
  }

  /** The agent's identity now; GatewayError AGENT_REVOKED (disabled or revoked) or NOT_FOUND. */
  async get(agentId: string): Promise<AgentIdentity> {
    const cached = this.#entries.get(agentId);
    if (cached !== undefined && Date.now() - cached.at < this.ttlMs) return settle(cached);
    return settle(await this.refresh(agentId));
  }

  /** Asks the control plane (token issuing always does). */
  async refresh(agentId: string): Promise<Entry> {
    let entry: Entry;
    try {
      entry = { at: Date.now(), identity: await this.controlPlane.identity(agentId) };
    } catch (error) {
      if (!GatewayError.is(error) || error.code === 'CONTROL_PLANE_UNAVAILABLE') throw error;
      entry = { at: Date.now(), refusal: error };
    }
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(agentId, entry);
    return entry;
  }
}

function settle(entry: Entry): AgentIdentity {
  if (entry.identity !== undefined) return entry.identity;
  throw entry.refusal!;
}
