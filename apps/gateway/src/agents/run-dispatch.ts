import {
  RUN_STREAM,
  buildSubject,
  createEnvelope,
  decodeEnvelope,
  encodeEnvelope,
  parseSubject,
  runConsumerName,
  type AgentIdentity,
} from '@weft/messaging';
import type { Logger } from '@weft/log-schema';
import type { Consumer, JetStreamClient, JsMsg, NatsConnection } from 'nats';
import type { SignedTokens } from './signed-tokens.js';

/** A run handed to an agent (docs/agent-protocol.md). */
export interface RunAssignment {
  lease: string;
  leaseSeconds: number;
  run: {
    runId: string;
    operationId: string;
    environmentId: string;
    attempt: number;
    maxAttempts: number;
    idempotencyKey: string;
    operation: unknown;
    /** A run of a cloud agent group: the agent executes it as a cloud run, whatever its own kind. */
    cloud?: true;
  };
}

/** What a lease proves: this agent holds this delivery of this run. */
export interface LeaseClaims {
  exp: number;
  /** agent */
  a: string;
  o: string;
  e: string;
  g: string;
  /** run */
  r: string;
  /** attempt (JetStream delivery count) */
  n: number;
  /** the delivery's acknowledgement subject */
  s: string;
}

interface RunRequest {
  runId: string;
  operationId: string;
  idempotencyKey: string;
  maxAttempts: number;
  operation: unknown;
}

const LEASE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
const encoder = new TextEncoder();
const CONSUMER_CACHE_MS = 60_000;

/**
 * Takes runs from an agent group's JetStream consumer for an agent, and relays what the agent
 * reports back as events. Which consumer, and which organization, environment and group the
 * events are filed under, come only from the agent's identity and the gateway-signed lease.
 */
export class RunDispatch {
  readonly #js: JetStreamClient;
  readonly #consumers = new Map<string, { consumer: Consumer; ackWaitMs: number; at: number }>();

  constructor(
    private readonly nats: NatsConnection,
    private readonly tokens: SignedTokens,
    private readonly logger: Logger,
  ) {
    this.#js = nats.jetstream();
  }

  /**
   * Up to `max` runs for the agent's group: what is queued now, or else the first to arrive within
   * `waitMs` together with whatever is queued behind it. Empty when none came.
   */
  async next(
    identity: AgentIdentity,
    waitMs: number,
    gone: AbortSignal,
    max = 1,
  ): Promise<RunAssignment[]> {
    const deadline = Date.now() + waitMs;
    while (!gone.aborted) {
      const remaining = deadline - Date.now();
      if (remaining < 1000) return [];
      const queue = await this.#consumer(identity);
      if (queue === undefined) {
        // No run was ever queued for the group: its consumer appears with the first one.
        await sleep(Math.min(remaining, 2000), gone);
        continue;
      }
      let messages: JsMsg[];
      try {
        messages = await this.#queued(identity, max);
        if (messages.length === 0) {
          const first = await queue.consumer.next({ expires: remaining });
          if (first === null) continue;
          messages = [first, ...(max > 1 ? await this.#queued(identity, max - 1) : [])];
        }
      } catch (error) {
        this.#consumers.delete(consumerName(identity));
        this.logger.warn('pulling runs failed; retrying', { error: describe(error) });
        await sleep(Math.min(remaining, 1000), gone);
        continue;
      }
      if (gone.aborted) {
        for (const message of messages) message.nak();
        return [];
      }
      const assignments = messages
        .map((message) => this.#assign(identity, message, queue.ackWaitMs))
        .filter((assignment): assignment is RunAssignment => assignment !== undefined);
      if (assignments.length > 0) return assignments;
    }
    return [];
  }

  /** What the group's consumer holds right now, up to `max` (a no-wait pull: nothing lingers). */
  async #queued(identity: AgentIdentity, max: number): Promise<JsMsg[]> {
    const messages: JsMsg[] = [];
    for await (const message of this.#js.fetch(RUN_STREAM, consumerName(identity), {
      batch: max,
      no_wait: true,
    })) {
      messages.push(message);
    }
    return messages;
  }

  /** Checks a delivery before an agent may have it; undefined (and the delivery settled) if not. */
  #assign(identity: AgentIdentity, message: JsMsg, ackWaitMs: number): RunAssignment | undefined {
    let request: RunRequest;
    let environmentId: string;
    let orgId: string;
    try {
      const where = parseSubject(message.subject);
      // A cloud group serves every organization; any other group only its own.
      if (
        where.agentGroupId !== identity.groupId ||
        (!identity.shared && where.orgId !== identity.orgId)
      ) {
        throw new Error('a run of another group reached this consumer');
      }
      orgId = where.orgId;
      environmentId = where.environmentId;
      request = decodeEnvelope(message.data).payload as RunRequest;
      if (typeof request?.runId !== 'string') throw new Error('the run message has no run id');
    } catch (error) {
      this.logger.error('dropped a malformed run message', { error: describe(error) });
      message.term();
      return undefined;
    }
    const attempt = message.info.deliveryCount;
    const base = { orgId, environmentId, agentGroupId: identity.groupId };
    if (!identity.shared && !identity.environmentIds.includes(environmentId)) {
      message.term();
      void this.publishEvent(base, 'run.gave-up', {
        runId: request.runId,
        attempt,
        cause: 'the agent group no longer serves the environment of this run',
      });
      return undefined;
    }
    const maxAttempts = Number.isInteger(request.maxAttempts) ? request.maxAttempts : 3;
    if (attempt > maxAttempts) {
      message.term();
      void this.publishEvent(base, 'run.gave-up', {
        runId: request.runId,
        attempt: attempt - 1,
        cause: `no agent of the group finished the run in ${maxAttempts} attempts (each agent stopped reporting and its lease ran out)`,
      });
      return undefined;
    }
    const lease = this.tokens.sign<LeaseClaims>('lease', {
      exp: Date.now() + LEASE_LIFETIME_MS,
      a: identity.agentId,
      o: orgId,
      e: environmentId,
      g: identity.groupId,
      r: request.runId,
      n: attempt,
      s: (message as JsMsg & { reply?: string }).reply ?? '',
    });
    return {
      lease,
      leaseSeconds: Math.max(1, Math.round(ackWaitMs / 1000)),
      run: {
        runId: request.runId,
        operationId: request.operationId,
        environmentId,
        attempt,
        maxAttempts,
        idempotencyKey: request.idempotencyKey,
        operation: request.operation,
        ...(identity.shared ? { cloud: true as const } : {}),
      },
    };
  }

  /** Tells JetStream the delivery is still being worked on (its ack wait starts again). */
  inProgress(lease: LeaseClaims): void {
    this.nats.publish(lease.s, encoder.encode('+WPI'));
  }

  /** Hands the run back at once, for another agent of the group. */
  release(lease: LeaseClaims): void {
    this.nats.publish(lease.s, encoder.encode('-NAK'));
  }

  /** Acknowledges the delivery and waits for JetStream to confirm it (best effort). */
  async acknowledge(lease: LeaseClaims): Promise<void> {
    try {
      await this.nats.request(lease.s, encoder.encode('+ACK'), { timeout: 2000 });
    } catch (error) {
      // The outcome is already recorded; at worst the run is delivered again and its second
      // outcome is ignored by the control plane.
      this.logger.warn('acknowledging a finished run was not confirmed', {
        runId: lease.r,
        error: describe(error),
      });
    }
  }

  /** Publishes an event into WEFT_EVENTS, de-duplicated by `msgID` when given. */
  async publishEvent(
    where: { orgId: string; environmentId: string; agentGroupId: string },
    type: string,
    payload: Record<string, unknown>,
    msgID?: string,
  ): Promise<void> {
    const envelope = createEnvelope({ type, ...where, payload });
    await this.#js.publish(buildSubject({ ...where, kind: 'events' }), encodeEnvelope(envelope), {
      ...(msgID !== undefined ? { msgID } : {}),
    });
  }

  /** Whether the lease's acknowledgement subject belongs to the agent's own group's consumer. */
  static leaseFits(lease: LeaseClaims, identity: AgentIdentity): boolean {
    const name = consumerName(identity);
    return lease.s.startsWith(`$JS.ACK.${RUN_STREAM}.${name}.`);
  }

  async #consumer(
    identity: AgentIdentity,
  ): Promise<{ consumer: Consumer; ackWaitMs: number } | undefined> {
    const name = consumerName(identity);
    const cached = this.#consumers.get(name);
    if (cached !== undefined && Date.now() - cached.at < CONSUMER_CACHE_MS) return cached;
    try {
      const consumer = await this.#js.consumers.get(RUN_STREAM, name);
      const info = await consumer.info(true);
      const entry = {
        consumer,
        ackWaitMs: (info.config.ack_wait ?? 30_000_000_000) / 1_000_000,
        at: Date.now(),
      };
      this.#consumers.set(name, entry);
      return entry;
    } catch (error) {
      if (/not found/i.test(describe(error))) return undefined;
      throw error;
    }
  }
}

function consumerName(identity: AgentIdentity): string {
  return runConsumerName({ orgId: identity.orgId, agentGroupId: identity.groupId });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
