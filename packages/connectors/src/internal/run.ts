import { ConnectorError, type ConnectorContext } from '@weft/connector-sdk';

/** Throws `cancelled` once the run's signal has fired; called between batches. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new ConnectorError('cancelled', 'the run was cancelled');
}

/** Connectors that touch the agent's own disk refuse to run on the platform's shared cloud agents. */
export function requirePrivateAgent(ctx: Pick<ConnectorContext, 'agentKind'>, type: string): void {
  if (ctx.agentKind !== 'private') {
    throw new ConnectorError('private_only', `the ${type} connector runs on private agents only`);
  }
}

/** Failures kept in a WriteSummary; the count stays exact beyond it. */
export const MAX_REPORTED_FAILURES = 1000;
