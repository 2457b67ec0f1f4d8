import type { Logger } from '@weft/log-schema';
import {
  RUN_STREAM,
  eventConsumerConfig,
  eventStreamConfig,
  EVENT_STREAM,
  parseSubject,
  runConsumerConfig,
  runConsumerName,
  runStreamConfig,
  type RunConsumerOptions,
  type RunQueueAddress,
} from '@weft/messaging';
import type { JetStreamManager, NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { changeRows } from '../database/sql.js';
import { AgentGroupKinds } from './agent-group-kinds.js';

export interface RunOutboxSettings extends RunConsumerOptions {
  /** How often the relay looks for rows it was not woken for (another replica's, or retries). */
  pollMs: number;
  /** Rows claimed per transaction. */
  batchSize?: number;
}

interface OutboxRow {
  id: string;
  run_id: string;
  subject: string;
  message: Buffer;
  attempts: number;
}

const MAX_BACKOFF_MS = 60_000;

/**
 * Creates the two streams the control plane owns, and keeps each agent group's run consumer
 * in line with the installation's settings.
 */
export class RunQueues {
  readonly #ensured = new Set<string>();
  #jsm: JetStreamManager | undefined;

  constructor(
    private readonly nats: NatsConnection,
    private readonly options: RunConsumerOptions,
  ) {}

  async ensureStreams(): Promise<void> {
    const jsm = await this.#manager();
    for (const config of [runStreamConfig(), eventStreamConfig()]) {
      try {
        await jsm.streams.add(config);
      } catch (error) {
        if (!/already in use|exists/i.test(String(error))) throw error;
        await jsm.streams.update(config.name, config);
      }
    }
    try {
      await jsm.consumers.add(EVENT_STREAM, eventConsumerConfig());
    } catch (error) {
      if (!/already|exists/i.test(String(error))) throw error;
    }
  }

  /** The group's durable consumer exists with the current settings (once per process and group). */
  async ensureGroup(group: RunQueueAddress): Promise<void> {
    const name = runConsumerName(group);
    if (this.#ensured.has(name)) return;
    const jsm = await this.#manager();
    const config = runConsumerConfig(group, this.options);
    try {
      await jsm.consumers.add(RUN_STREAM, config);
    } catch (error) {
      if (!/already|exists/i.test(String(error))) throw error;
      await jsm.consumers.update(RUN_STREAM, name, {
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
      });
    }
    this.#ensured.add(name);
  }

  async #manager(): Promise<JetStreamManager> {
    this.#jsm ??= await this.nats.jetstreamManager({ checkAPI: false });
    return this.#jsm;
  }
}

/**
 * Publishes runs whose transaction committed. Rows are claimed with SKIP LOCKED (replicas share
 * the work), published with `Nats-Msg-Id` = the run id (JetStream drops a repeat within its
 * duplicate window, so a relay that died between publishing and deleting does no harm), and
 * deleted once JetStream acknowledged them; failures back off exponentially.
 */
export class RunOutbox {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly nats: NatsConnection,
    private readonly queues: RunQueues,
    private readonly settings: RunOutboxSettings,
    private readonly logger: Logger,
    private readonly groups = new AgentGroupKinds(db),
  ) {}

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.wake(), this.settings.pollMs);
    this.#timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  /** Publish what is due now (called after a submit commits, and on a timer). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          while ((await this.relayOnce()) > 0 && !this.#stopped);
        } while (this.#again && !this.#stopped);
      } catch (error) {
        this.logger.error('run outbox relay failed; will retry', {
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        this.#running = undefined;
      }
    })();
  }

  /** A private group's queue is its own organization's; a cloud group's is its owner's, shared. */
  async #queueOf(address: { orgId: string; agentGroupId: string }): Promise<RunQueueAddress> {
    const owner = await this.groups.cloudOwner(address.agentGroupId);
    return owner === null
      ? { orgId: address.orgId, agentGroupId: address.agentGroupId }
      : { orgId: owner, agentGroupId: address.agentGroupId, shared: true };
  }

  /** One batch: returns how many rows were published. */
  async relayOnce(): Promise<number> {
    const js = this.nats.jetstream();
    return this.db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT id, run_id, subject, message, attempts FROM run_outbox
         WHERE next_attempt_at <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.settings.batchSize ?? 200],
      )) as OutboxRow[];
      if (rows.length === 0) return 0;
      const outcomes = await Promise.allSettled(
        rows.map(async (row) => {
          await this.queues.ensureGroup(await this.#queueOf(parseSubject(row.subject)));
          await js.publish(row.subject, row.message, { msgID: row.run_id });
        }),
      );
      const published = rows.filter((_, i) => outcomes[i]!.status === 'fulfilled');
      const failed = rows.filter((_, i) => outcomes[i]!.status === 'rejected');
      if (published.length > 0) {
        await changeRows(tx, `DELETE FROM run_outbox WHERE id = ANY($1::bigint[])`, [
          published.map((row) => row.id),
        ]);
      }
      for (const row of failed) {
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(row.attempts, 10));
        await changeRows(
          tx,
          `UPDATE run_outbox SET attempts = attempts + 1,
                  next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
           WHERE id = $1`,
          [row.id, delay],
        );
      }
      if (failed.length > 0) {
        const reason = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        this.logger.warn('runs could not be published yet; retrying with backoff', {
          runs: failed.length,
          error: reason.reason instanceof Error ? reason.reason.message : String(reason.reason),
        });
      }
      return published.length;
    });
  }
}
