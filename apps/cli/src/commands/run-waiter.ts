import { segment, type ApiClient } from '../api/api-client.js';
import type { EnvironmentRef } from '../cli/command-context.js';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';
import type { Output } from '../output/output.js';
import { inEnvironment } from './projects.js';
import { FINAL_STATUSES, countsOf, describeCounts, statusLine, type RunView } from './run-view.js';

export const FIRST_POLL_MS = 1000;
export const MAX_POLL_MS = 5000;
/** Poll failures in a row (network, 5xx) tolerated before giving up: a blip must not fail a CI job. */
const MAX_TRANSIENT_FAILURES = 5;

export interface WaitOptions {
  client: Pick<ApiClient, 'get'>;
  environment: EnvironmentRef;
  runId: string;
  io: Pick<CliIo, 'sleep' | 'now' | 'signal'>;
  out: Output;
  /** Give up after this long (undefined: wait for the end). */
  timeoutMs?: number;
}

export type WaitOutcome =
  { kind: 'finished'; run: RunView } | { kind: 'timeout'; run: RunView | undefined };

/**
 * Polls the run until it ends: every second, slowing by half again each quiet poll up to 5 s,
 * back to 1 s when something changed. Prints each new status and each change of the counts.
 */
export async function waitForRun(options: WaitOptions): Promise<WaitOutcome> {
  const { client, io, out } = options;
  const deadline = options.timeoutMs === undefined ? undefined : io.now() + options.timeoutMs;
  const path = inEnvironment(options.environment, `runs/${segment(options.runId)}`);
  let delay = FIRST_POLL_MS;
  let last: RunView | undefined;
  let lastLine: string | undefined;
  let lastCounts: string | undefined;
  let failures = 0;
  for (;;) {
    if (io.signal.aborted)
      throw new CliError('interrupted', `stopped waiting for run ${options.runId} (it goes on)`);
    let run: RunView | undefined;
    try {
      run = await client.get<RunView>(path, `reading run ${options.runId}`);
      failures = 0;
    } catch (error) {
      if (!CliError.is(error) || error.code !== 'failed' || ++failures > MAX_TRANSIENT_FAILURES)
        throw error;
      out.warning(`${error.message}; trying again`);
    }
    let changed = false;
    if (run !== undefined) {
      last = run;
      const line = statusLine(run);
      const counts = describeCounts(countsOf(run));
      if (line !== lastLine) {
        out.progress(line);
        changed = true;
      } else if (counts !== lastCounts && run.status === 'running') {
        out.progress(`  ${counts}`);
        changed = true;
      }
      lastLine = line;
      lastCounts = counts;
      if (FINAL_STATUSES.has(run.status)) return { kind: 'finished', run };
    }
    const now = io.now();
    if (deadline !== undefined && now >= deadline) return { kind: 'timeout', run: last };
    delay = changed ? FIRST_POLL_MS : Math.min(Math.round(delay * 1.5), MAX_POLL_MS);
    await io.sleep(deadline === undefined ? delay : Math.min(delay, deadline - now), io.signal);
  }
}
