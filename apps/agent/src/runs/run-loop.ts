import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@weft/log-schema';
import type { WorkDirectory } from '../storage/work-directory.js';
import type {
  OperationRunner,
  RecordCounts,
  ReleaseReason,
  RunAssignment,
  RunContext,
  RunOutcome,
  WorkSource,
} from './work-source.js';

export interface RunLoopOptions {
  readonly workSource: WorkSource;
  readonly operationRunner: OperationRunner;
  readonly workDirectory: Pick<WorkDirectory, 'createRunDirectory' | 'removeRunDirectory'>;
  readonly logger: Logger;
  readonly maxConcurrentRuns: number;
}

export interface DrainReport {
  /** Runs that were in flight when draining began and finished (either way) within the grace period. */
  readonly finishedRunIds: readonly string[];
  /** Runs handed back to the work source: unfinished at the deadline, or received after the stop. */
  readonly releasedRunIds: readonly string[];
}

interface InFlightRun {
  readonly run: RunAssignment;
  readonly abort: AbortController;
  state: 'running' | 'finished' | 'released';
  /** Set when the work source relayed a cancellation: the run then completes as `cancelled`. */
  cancelled: boolean;
  readonly records: RecordCounts;
  directory: string | undefined;
  settled: Promise<void>;
}

const MAX_PULL_BACKOFF_MS = 30_000;

/** Pulls runs from a work source, executes up to maxConcurrentRuns at once, and drains on shutdown. */
export class RunLoop {
  readonly #options: RunLoopOptions;
  readonly #inFlight = new Map<string, InFlightRun>();
  readonly #pulling = new AbortController();
  readonly #released: string[] = [];
  #pullLoop: Promise<void> = Promise.resolve();
  #slotFreed: (() => void) | undefined;

  constructor(options: RunLoopOptions) {
    this.#options = options;
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  get draining(): boolean {
    return this.#pulling.signal.aborted;
  }

  start(): void {
    this.#pullLoop = this.#pull().catch((error: unknown) => {
      this.#options.logger.error('run loop stopped taking work unexpectedly', {
        error: errorSummary(error),
      });
    });
  }

  /**
   * Stops taking work, gives in-flight runs `graceMs` to finish, then aborts and releases the rest
   * and deletes their run folders.
   */
  async drain(graceMs: number): Promise<DrainReport> {
    const inFlightAtStart = [...this.#inFlight.keys()];
    this.#pulling.abort();
    this.#notifySlotFreed();

    const deadline = new AbortController();
    const everythingSettled = Promise.all([
      this.#pullLoop,
      ...[...this.#inFlight.values()].map((r) => r.settled),
    ]);
    await Promise.race([
      everythingSettled,
      sleep(graceMs, undefined, { signal: deadline.signal }).catch(() => {}),
    ]);
    deadline.abort();

    const unfinished = [...this.#inFlight.values()].filter((entry) => entry.state === 'running');
    await Promise.all(unfinished.map((entry) => this.#releaseUnfinished(entry)));
    return {
      finishedRunIds: inFlightAtStart.filter((id) => !this.#released.includes(id)),
      releasedRunIds: [...this.#released],
    };
  }

  async #pull(): Promise<void> {
    const { workSource, logger, maxConcurrentRuns } = this.#options;
    const stopping = this.#pulling.signal;
    let backoffMs = 0;
    while (!stopping.aborted) {
      if (this.#inFlight.size >= maxConcurrentRuns) {
        await new Promise<void>((resolve) => (this.#slotFreed = resolve));
        continue;
      }
      let run: RunAssignment | null;
      try {
        run = await workSource.next(stopping);
        backoffMs = 0;
      } catch (error) {
        // The source gave up for good (e.g. the agent was revoked): the agent stops, no retry.
        if (stopping.aborted || workSource.stopSignal?.aborted === true) break;
        backoffMs = Math.min(MAX_PULL_BACKOFF_MS, backoffMs === 0 ? 1000 : backoffMs * 2);
        logger.warn('pulling work failed; retrying', {
          error: errorSummary(error),
          retryInMs: backoffMs,
        });
        await sleep(backoffMs, undefined, { signal: stopping }).catch(() => {});
        continue;
      }
      if (run === null) {
        if (!stopping.aborted) logger.info('work source closed; no further runs will be taken');
        break;
      }
      if (stopping.aborted) {
        // Arrived while we were stopping: never started, so hand it straight back.
        await this.#release(run, 'shutdown');
        break;
      }
      if (this.#inFlight.has(run.runId)) {
        logger.warn('run delivered again while still in flight; ignoring the duplicate', {
          runId: run.runId,
        });
        continue;
      }
      this.#start(run);
    }
  }

  #start(run: RunAssignment): void {
    const entry: InFlightRun = {
      run,
      abort: new AbortController(),
      state: 'running',
      cancelled: false,
      records: { read: 0, written: 0, failed: 0 },
      directory: undefined,
      settled: Promise.resolve(),
    };
    this.#inFlight.set(run.runId, entry);
    entry.settled = this.#execute(entry).finally(() => {
      this.#inFlight.delete(run.runId);
      this.#notifySlotFreed();
    });
  }

  async #execute(entry: InFlightRun): Promise<void> {
    const { operationRunner, workDirectory, workSource } = this.#options;
    const logger = this.#options.logger.child({
      runId: entry.run.runId,
      operationId: entry.run.operationId,
    });
    let outcome: RunOutcome;
    try {
      entry.directory = await workDirectory.createRunDirectory();
      if (entry.state !== 'running') return; // released while the folder was being made
      if (!(await this.#reportStarted(entry, logger))) return;
      logger.info('run started', { attempt: entry.run.attempt });
      await operationRunner.run(entry.run, {
        workDir: entry.directory,
        signal: entry.abort.signal,
        logger,
        records: entry.records,
        ...this.#runServices(entry.run),
      });
      outcome = entry.cancelled
        ? { status: 'cancelled', records: { ...entry.records } }
        : { status: 'succeeded', records: { ...entry.records } };
    } catch (error) {
      outcome = entry.cancelled
        ? { status: 'cancelled', records: { ...entry.records } }
        : { status: 'failed', ...errorSummary(error), records: { ...entry.records } };
    } finally {
      // A released run's folder is removed by the release; everything else cleans up here.
      if (entry.state === 'running' && entry.directory !== undefined) {
        await this.#removeDirectory(entry.directory);
      }
    }
    if (entry.state !== 'running') return;
    entry.state = 'finished';
    if (outcome.status === 'failed')
      logger.warn('run failed', {
        errorCode: outcome.errorCode,
        error: outcome.message,
        records: outcome.records,
      });
    else logger.info(`run ${outcome.status}`, { records: outcome.records });
    try {
      await workSource.complete(entry.run, outcome);
    } catch (error) {
      logger.error('reporting the run outcome failed', { error: errorSummary(error) });
    }
  }

  /** What the work source offers a running run beyond its lease: vault secrets, the operation log. */
  #runServices(run: RunAssignment): Pick<RunContext, 'sealedSecrets' | 'sendOperationLog'> {
    const { workSource } = this.#options;
    const sendLog = workSource.sendOperationLog;
    return {
      ...(workSource.sealedSecrets === undefined
        ? {}
        : { sealedSecrets: (publicKey: string) => workSource.sealedSecrets!(run, publicKey) }),
      ...(sendLog === undefined
        ? {}
        : { sendOperationLog: (messages) => sendLog.call(workSource, run, messages) }),
    };
  }

  /** Tells the work source the run starts; false (run handed back, not executed) when it refuses. */
  async #reportStarted(entry: InFlightRun, logger: Logger): Promise<boolean> {
    const { workSource } = this.#options;
    if (workSource.started === undefined) return true;
    try {
      await workSource.started(entry.run, {
        records: () => ({ ...entry.records }),
        cancel: () => {
          if (entry.state !== 'running' || entry.cancelled) return;
          entry.cancelled = true;
          logger.info('run cancellation requested; stopping the run');
          entry.abort.abort(new Error('the run was cancelled'));
        },
      });
      return true;
    } catch (error) {
      if (workSource.stopSignal?.aborted !== true)
        logger.error('reporting the run start failed; handing it back', {
          error: errorSummary(error),
        });
      entry.state = 'released';
      if (entry.directory !== undefined) await this.#removeDirectory(entry.directory);
      await this.#release(entry.run, 'not-started');
      return false;
    }
  }

  async #releaseUnfinished(entry: InFlightRun): Promise<void> {
    entry.state = 'released';
    entry.abort.abort(new Error('shutdown grace period over'));
    if (entry.directory !== undefined) await this.#removeDirectory(entry.directory);
    await this.#release(entry.run, 'shutdown');
  }

  async #release(run: RunAssignment, reason: ReleaseReason): Promise<void> {
    this.#released.push(run.runId);
    try {
      await this.#options.workSource.release(run, reason);
      this.#options.logger.info('run handed back to the agent group', { runId: run.runId });
    } catch (error) {
      this.#options.logger.error('handing the run back failed', {
        runId: run.runId,
        error: errorSummary(error),
      });
    }
  }

  async #removeDirectory(directory: string): Promise<void> {
    try {
      await this.#options.workDirectory.removeRunDirectory(directory);
    } catch (error) {
      // Left for the next start-up sweep.
      this.#options.logger.error('deleting a run folder failed', { error: errorSummary(error) });
    }
  }

  #notifySlotFreed(): void {
    const wake = this.#slotFreed;
    this.#slotFreed = undefined;
    wake?.();
  }
}

export function errorSummary(error: unknown): { errorCode: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    errorCode: typeof code === 'string' ? code : 'run-failed',
    message: error instanceof Error ? error.message : String(error),
  };
}
