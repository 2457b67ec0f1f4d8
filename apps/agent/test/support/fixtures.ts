import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsonLogger } from '@weft/log-schema';
import type {
  OperationRunner,
  RunAssignment,
  RunContext,
  RunOutcome,
  WorkSource,
} from '../../src/runs/work-source.js';

/** A fresh enrolment token per test: never a hard-coded secret. */
export function mintEnrolmentToken(): string {
  return `wet_${randomBytes(24).toString('base64url')}`;
}

export async function makeTempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'weft-agent-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The minimum environment an agent needs to start, with everything under `root`. */
export function minimalEnv(root: string, token: string): Record<string, string> {
  return {
    WEFT_AGENT_GATEWAY_URL: 'http://127.0.0.1:9',
    WEFT_AGENT_AGENT_GROUP_ID: 'group-1',
    WEFT_AGENT_ENROLMENT_TOKEN: token,
    WEFT_AGENT_STATE_DIR: join(root, 'state'),
    WEFT_AGENT_WORK_DIR: join(root, 'work'),
    WEFT_AGENT_LOG_DIR: join(root, 'logs'),
  };
}

/** The real JSON logger, writing into memory. */
export function capturedLogger(secretValues: Iterable<string> = []) {
  const lines: string[] = [];
  const logger = createJsonLogger({
    service: 'weft-agent',
    level: 'debug',
    write: (line) => lines.push(line),
    secretValues,
  });
  return {
    logger,
    lines,
    records: (): Array<Record<string, unknown>> =>
      lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A work source that hands out queued runs, then waits (abortably) like a long poll would. */
export class QueuedWorkSource implements WorkSource {
  readonly description = 'test queue';
  readonly completed: Array<{ run: RunAssignment; outcome: RunOutcome }> = [];
  readonly released: RunAssignment[] = [];
  readonly #queue: RunAssignment[] = [];
  #waiting: ((run: RunAssignment) => void) | undefined;

  push(...runs: RunAssignment[]): void {
    for (const run of runs) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (waiting !== undefined) waiting(run);
      else this.#queue.push(run);
    }
  }

  next(signal: AbortSignal): Promise<RunAssignment | null> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(null);
      this.#waiting = resolve;
      signal.addEventListener(
        'abort',
        () => {
          this.#waiting = undefined;
          resolve(null);
        },
        { once: true },
      );
    });
  }

  async complete(run: RunAssignment, outcome: RunOutcome): Promise<void> {
    this.completed.push({ run, outcome });
  }

  async release(run: RunAssignment): Promise<void> {
    this.released.push(run);
  }
}

/** A runner whose runs end when the test says so (or never, unless aborted). */
export class ControlledRunner implements OperationRunner {
  readonly started = new Map<string, { context: RunContext; finish: Deferred<void> }>();
  #onStart: (() => void) | undefined;

  async run(run: RunAssignment, context: RunContext): Promise<void> {
    const finish = deferred();
    context.signal.addEventListener('abort', () => finish.reject(context.signal.reason), {
      once: true,
    });
    this.started.set(run.runId, { context, finish });
    this.#onStart?.();
    await finish.promise;
  }

  /** Resolves once `count` runs have started. */
  async waitForStarted(count: number): Promise<void> {
    while (this.started.size < count) {
      await new Promise<void>((resolve) => (this.#onStart = resolve));
    }
  }

  finish(runId: string, error?: Error): void {
    const started = this.started.get(runId);
    if (started === undefined) throw new Error(`run ${runId} has not started`);
    if (error === undefined) started.finish.resolve();
    else started.finish.reject(error);
  }
}

export function run(runId: string, operation: unknown = { version: 1 }): RunAssignment {
  return {
    runId,
    operationId: `op-${runId}`,
    environmentId: 'env-1',
    attempt: 1,
    maxAttempts: 3,
    idempotencyKey: `run-${runId}`,
    operation,
  };
}
