import { AgentRunError } from './agent-run.error.js';
import type { OperationRunner, RunAssignment, RunOutcome, WorkSource } from './work-source.js';

/**
 * The work source until the gateway client lands (enrolment, long-poll work pulling): it offers no
 * runs and pretends no connectivity — `next()` simply waits until the agent stops.
 */
export class PendingGatewayWorkSource implements WorkSource {
  readonly description: string;

  constructor(gatewayUrl: string) {
    this.description = `gateway ${gatewayUrl} (work pulling not implemented yet)`;
  }

  next(signal: AbortSignal): Promise<RunAssignment | null> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(null);
      signal.addEventListener('abort', () => resolve(null), { once: true });
    });
  }

  // It never hands out a run, so there is nothing it could be told about.
  async complete(run: RunAssignment, _outcome: RunOutcome): Promise<void> {
    throw notFromThisSource(run);
  }

  async release(run: RunAssignment): Promise<void> {
    throw notFromThisSource(run);
  }
}

/** The operation runner until connectors land: every run fails with a clear code instead of pretending. */
export class UnavailableOperationRunner implements OperationRunner {
  async run(run: RunAssignment): Promise<void> {
    throw new AgentRunError(
      'operation-runner-unavailable',
      `cannot run operation ${run.operationId}: this agent build has no connectors yet`,
    );
  }
}

function notFromThisSource(run: RunAssignment): AgentRunError {
  return new AgentRunError(
    'run-not-from-this-source',
    `run ${run.runId} did not come from this work source`,
  );
}
