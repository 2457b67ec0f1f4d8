import type { Logger } from '@weft/log-schema';

/** One operation run the agent group was asked to execute, as handed to this agent. */
export interface RunAssignment {
  /** Unique per run; never used as a file name (run folders get random names). */
  readonly runId: string;
  readonly operationId: string;
}

export type RunOutcome =
  | { readonly status: 'succeeded' }
  | { readonly status: 'failed'; readonly errorCode: string; readonly message: string };

export type ReleaseReason = 'shutdown';

/**
 * Where runs come from. The gateway client (a later issue) implements it with an outbound long poll;
 * the run loop only ever pulls, so nothing listens for inbound connections.
 */
export interface WorkSource {
  /** Shown in logs, e.g. "gateway https://gateway.example.com/". */
  readonly description: string;
  /**
   * Waits for the next run. Must settle promptly once `signal` aborts — with null, or with a run the
   * loop will release straight away. Resolving null without an abort means the source is closed.
   */
  next(signal: AbortSignal): Promise<RunAssignment | null>;
  /** The run ended (successfully or not) on this agent. */
  complete(run: RunAssignment, outcome: RunOutcome): Promise<void>;
  /** The run did not finish here (the agent is stopping): hand it back so another agent can run it. */
  release(run: RunAssignment, reason: ReleaseReason): Promise<void>;
}

export interface RunContext {
  /** A private folder (mode 0700) for this run's transient data, deleted when the run ends. */
  readonly workDir: string;
  /** Aborted when the shutdown grace period is over and the run is being handed back. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** Executes one run: source connector → transformation → target connector (connectors arrive later). */
export interface OperationRunner {
  /** Resolves when the run succeeded; rejects (ideally with a `code`) when it failed. */
  run(run: RunAssignment, context: RunContext): Promise<void>;
}
