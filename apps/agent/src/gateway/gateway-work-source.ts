import type { Logger } from '@weft/log-schema';
import type { SecretValue } from '../config/secret-value.js';
import { errorSummary } from '../runs/run-loop.js';
import type {
  OperationLogMessage,
  ReleaseReason,
  RunAssignment,
  RunOutcome,
  RunTracker,
  WorkSource,
} from '../runs/work-source.js';
import type { GatewayClient } from './gateway-client.js';
import { AgentGatewayError } from './gateway.error.js';
import type { RetryPolicy } from './retry.js';
import {
  DEFAULT_WAIT_SECONDS,
  cancelRequested,
  completionBody,
  countsOf,
  parseWorkAnswers,
} from './work-protocol.js';

export interface GatewayWorkSourceOptions {
  readonly client: Pick<GatewayClient, 'call' | 'identity' | 'stopSignal'>;
  readonly gatewayUrl: string;
  readonly logger: Logger;
  /**
   * false: a failed run's error message stays on the agent (only its code is sent), and so does
   * the operation log (no runs/log calls).
   */
  readonly cloudLogging: boolean;
  readonly maxConcurrentRuns: number;
  readonly agent: { readonly version: string; readonly host: string };
  /** Default 30 s (the control plane shows an agent offline after 90 s of silence). */
  readonly heartbeatIntervalMs?: number;
  /** Default 25 (the protocol's maximum). */
  readonly waitSeconds?: number;
  /** Reporting an outcome is worth more patience than a poll: it must not be lost. */
  readonly completeRetry?: RetryPolicy;
  /** For operation log batches; default 3 attempts within a few seconds. */
  readonly logRetry?: RetryPolicy;
  /** Called by close(), e.g. to close the connection pool. */
  readonly onClose?: () => Promise<void>;
}

interface HeldRun {
  readonly lease: SecretValue;
  progressTimer?: NodeJS.Timeout;
}

const DEFAULT_HEARTBEAT_MS = 30_000;
const COMPLETE_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 1000, maxDelayMs: 30_000 };
/** An operation log batch is worth a few tries, not holding the run's end for long. */
const LOG_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 2000 };

/**
 * Runs from the gateway: long-polls POST /agent/v1/work, reports a run's start, keeps its lease alive
 * with progress calls every leaseSeconds/3 (relaying cancellation), completes or releases it, and
 * sends a heartbeat every 30 s. All outbound HTTPS; nothing listens.
 */
export class GatewayWorkSource implements WorkSource {
  readonly description: string;
  readonly #options: GatewayWorkSourceOptions;
  readonly #held = new Map<string, HeldRun>();
  /** Runs the gateway handed over together, not yet taken by the run loop (their leases are held). */
  readonly #ready: RunAssignment[] = [];
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  /** Present only with cloud logging on: otherwise the operation log never leaves the agent. */
  readonly sendOperationLog?: (
    run: RunAssignment,
    messages: readonly OperationLogMessage[],
  ) => Promise<void>;

  constructor(options: GatewayWorkSourceOptions) {
    this.#options = options;
    this.description = `gateway ${options.gatewayUrl}`;
    if (options.cloudLogging) {
      this.sendOperationLog = async (run, messages) => {
        const held = this.#hold(run);
        await this.#options.client.call(
          '/agent/v1/runs/log',
          { lease: held.lease.reveal(), messages },
          { retry: options.logRetry ?? LOG_RETRY },
        );
      };
    }
  }

  get stopSignal(): AbortSignal {
    return this.#options.client.stopSignal;
  }

  async next(signal: AbortSignal): Promise<RunAssignment | null> {
    const { client } = this.#options;
    while (!signal.aborted) {
      const ready = this.#ready.shift();
      if (ready !== undefined) return ready;
      try {
        await client.identity(signal);
        this.#startHeartbeat();
        // As many runs as there are free slots (the loop asks when one is free): one round trip
        // brings a burst of runs instead of one each.
        const max = Math.max(1, this.#options.maxConcurrentRuns - this.#held.size);
        const answer = await client.call(
          '/agent/v1/work',
          { waitSeconds: this.#options.waitSeconds ?? DEFAULT_WAIT_SECONDS, max },
          { signal },
        );
        if (answer.status === 204) continue; // nothing came within waitSeconds: ask again
        const [run, ...more] = parseWorkAnswers(answer.body);
        for (const assignment of [run!, ...more]) {
          this.#held.set(assignment.runId, { lease: assignment.lease });
        }
        this.#ready.push(...more);
        return run!;
      } catch (error) {
        if (signal.aborted && !this.stopSignal.aborted) return null;
        throw error;
      }
    }
    return null;
  }

  async started(run: RunAssignment, tracker: RunTracker): Promise<void> {
    const held = this.#hold(run);
    const answer = await this.#options.client.call('/agent/v1/runs/started', {
      lease: held.lease.reveal(),
    });
    if (cancelRequested(answer.body)) tracker.cancel();
    const leaseSeconds = run.leaseSeconds ?? 30;
    // A third of the lease: two progress calls may fail before the lease runs out.
    const everyMs = Math.max(100, (leaseSeconds * 1000) / 3);
    held.progressTimer = setInterval(() => void this.#progress(run, held, tracker), everyMs);
    held.progressTimer.unref();
  }

  /** POST runs/secrets with the run's lease: the answer as the gateway relayed it. */
  async sealedSecrets(run: RunAssignment, publicKey: string): Promise<unknown> {
    const held = this.#hold(run);
    const answer = await this.#options.client.call('/agent/v1/runs/secrets', {
      lease: held.lease.reveal(),
      publicKey,
    });
    return answer.body;
  }

  async complete(run: RunAssignment, outcome: RunOutcome): Promise<void> {
    const held = this.#hold(run);
    this.#forget(run);
    if (this.stopSignal.aborted) return; // revoked: the gateway would refuse it anyway
    await this.#options.client.call(
      '/agent/v1/runs/complete',
      completionBody(held.lease.reveal(), outcome, this.#options.cloudLogging),
      { retry: this.#options.completeRetry ?? COMPLETE_RETRY },
    );
  }

  async release(run: RunAssignment, _reason: ReleaseReason): Promise<void> {
    const held = this.#hold(run);
    this.#forget(run);
    if (this.stopSignal.aborted) return;
    await this.#options.client.call('/agent/v1/runs/release', { lease: held.lease.reveal() });
  }

  async close(): Promise<void> {
    // Runs received but never started go straight back to the group (best effort: if this
    // fails, their leases run out and JetStream hands them on anyway).
    for (const run of this.#ready.splice(0)) {
      await this.release(run, 'not-started').catch(() => undefined);
    }
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const held of this.#held.values()) clearInterval(held.progressTimer);
    this.#held.clear();
    await this.#options.onClose?.();
  }

  #hold(run: RunAssignment): HeldRun {
    const held = this.#held.get(run.runId);
    if (held === undefined) {
      throw new AgentGatewayError(
        'GATEWAY_PROTOCOL_ERROR',
        `run ${run.runId} is not held by this agent`,
      );
    }
    return held;
  }

  #forget(run: RunAssignment): void {
    clearInterval(this.#held.get(run.runId)?.progressTimer);
    this.#held.delete(run.runId);
  }

  async #progress(run: RunAssignment, held: HeldRun, tracker: RunTracker): Promise<void> {
    if (this.#held.get(run.runId) !== held) return; // completed meanwhile
    try {
      const answer = await this.#options.client.call(
        '/agent/v1/runs/progress',
        { lease: held.lease.reveal(), records: countsOf(tracker.records()) },
        { retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }, // the next tick is the retry
      );
      if (cancelRequested(answer.body)) tracker.cancel();
    } catch (error) {
      if (!this.stopSignal.aborted)
        this.#options.logger.warn('reporting run progress failed', {
          runId: run.runId,
          error: errorSummary(error),
        });
    }
  }

  #startHeartbeat(): void {
    if (this.#heartbeat !== undefined || this.#closed) return;
    const beat = async (): Promise<void> => {
      if (this.stopSignal.aborted) return clearInterval(this.#heartbeat);
      try {
        await this.#options.client.call('/agent/v1/heartbeat', {
          version: this.#options.agent.version,
          host: this.#options.agent.host,
          runningRuns: this.#held.size,
          maxConcurrentRuns: this.#options.maxConcurrentRuns,
        });
      } catch (error) {
        if (!this.stopSignal.aborted)
          this.#options.logger.warn('heartbeat failed', { error: errorSummary(error) });
      }
    };
    this.#heartbeat = setInterval(
      () => void beat(),
      this.#options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS,
    );
    this.#heartbeat.unref();
    void beat();
  }
}
