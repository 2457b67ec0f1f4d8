import type { Logger } from '@weft/log-schema';
import type { SecretValue } from '../config/secret-value.js';

/** One operation run the agent group was asked to execute, as handed to this agent. */
export interface RunAssignment {
  /** Unique per run; never used as a file name (run folders get random names). */
  readonly runId: string;
  readonly operationId: string;
  readonly environmentId: string;
  /** 2 or more when the run was handed over from another agent whose lease ran out. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Stable across attempts: connectors use it so a retry does not write twice. */
  readonly idempotencyKey: string;
  /** The operation to execute (version 1, see docs/agent-protocol.md); the runner validates it. */
  readonly operation: unknown;
  /** The gateway's proof that this agent holds the run (a secret: never logged). Absent for local sources. */
  readonly lease?: SecretValue;
  /** How long the lease lasts without a started/progress call. */
  readonly leaseSeconds?: number;
  /** A run of a cloud agent group: executed as a cloud run whatever the agent's own agentKind. */
  readonly cloud?: boolean;
}

/** Records a run has handled so far; the runner updates them while it runs. */
export interface RecordCounts {
  read: number;
  written: number;
  failed: number;
}

export type RunOutcome =
  | { readonly status: 'succeeded'; readonly records: Readonly<RecordCounts> }
  | {
      readonly status: 'failed';
      readonly errorCode: string;
      readonly message: string;
      readonly records: Readonly<RecordCounts>;
    }
  | { readonly status: 'cancelled'; readonly records: Readonly<RecordCounts> };

export type ReleaseReason = 'shutdown' | 'not-started';

export const OPERATION_LOG_LEVELS = ['info', 'warn', 'error'] as const;
export const OPERATION_LOG_STEPS = ['source', 'transformation', 'target', 'operation'] as const;

/** One line of a run's operation log as it leaves the agent (already masked and cut). */
export interface OperationLogMessage {
  /** ISO 8601 UTC. */
  readonly at: string;
  readonly level: (typeof OPERATION_LOG_LEVELS)[number];
  readonly step?: (typeof OPERATION_LOG_STEPS)[number];
  readonly text: string;
}

/** What a work source may do to a run it handed out while it runs. */
export interface RunTracker {
  /** The run's counts right now (for progress reports). */
  records(): Readonly<RecordCounts>;
  /** Someone asked to cancel the run: abort it; it completes as `cancelled`. */
  cancel(): void;
}

/**
 * Where runs come from. The gateway client implements it with an outbound long poll; the run loop
 * only ever pulls, so nothing listens for inbound connections.
 */
export interface WorkSource {
  /** Shown in logs, e.g. "gateway https://gateway.example.com/". */
  readonly description: string;
  /**
   * Aborted (its reason an Error saying why) when the source can no longer give work and the agent
   * must stop, e.g. the agent was revoked. Sources that cannot fail this way leave it out.
   */
  readonly stopSignal?: AbortSignal;
  /**
   * Waits for the next run. Must settle promptly once `signal` aborts — with null, or with a run the
   * loop will release straight away. Resolving null without an abort means the source is closed.
   */
  next(signal: AbortSignal): Promise<RunAssignment | null>;
  /**
   * The run is about to execute here (its folder exists). Reports it and keeps the run alive
   * (progress) until complete() or release(). A rejection means the run must not execute.
   */
  started?(run: RunAssignment, tracker: RunTracker): Promise<void>;
  /**
   * The run's vault secrets, sealed for `publicKey` (a one-time X25519 key of this attempt): the
   * source's answer as it came, `{ secrets: [{ name, ephemeralPublicKey, nonce, ciphertext }] }`.
   * Sources without a vault leave it out, and runs naming `vault:` secrets fail.
   */
  sealedSecrets?(run: RunAssignment, publicKey: string): Promise<unknown>;
  /**
   * Sends a batch of the run's operation log (≤ 50 lines). Left out when the lines must stay on
   * the agent (cloudLogging: false): runs then collect none.
   */
  readonly sendOperationLog?: (
    run: RunAssignment,
    messages: readonly OperationLogMessage[],
  ) => Promise<void>;
  /** The run ended (successfully or not) on this agent. */
  complete(run: RunAssignment, outcome: RunOutcome): Promise<void>;
  /** The run did not finish here (the agent is stopping): hand it back so another agent can run it. */
  release(run: RunAssignment, reason: ReleaseReason): Promise<void>;
  /** The agent stopped: end background work (heartbeats) and close connections. */
  close?(): Promise<void>;
}

export interface RunContext {
  /** A private folder (mode 0700) for this run's transient data, deleted when the run ends. */
  readonly workDir: string;
  /** Aborted when the run is cancelled, or the shutdown grace period is over and the run is handed back. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Counts the runner keeps up to date while it runs; reported as progress and in the outcome. */
  readonly records: RecordCounts;
  /** The run's vault secrets sealed for `publicKey` (see WorkSource.sealedSecrets); absent: none to be had. */
  readonly sealedSecrets?: (publicKey: string) => Promise<unknown>;
  /** Sends operation log lines of the run; absent when they stay on the agent. */
  readonly sendOperationLog?: (messages: readonly OperationLogMessage[]) => Promise<void>;
}

/** Executes one run: source connector → transformation → target connector. */
export interface OperationRunner {
  /** Resolves when the run succeeded; rejects (ideally with a `code`) when it failed. */
  run(run: RunAssignment, context: RunContext): Promise<void>;
}
