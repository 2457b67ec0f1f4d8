import type { Logger } from '@weft/log-schema';
import { describeAgentConfig, type AgentConfig } from './config/agent-config.js';
import { HealthServer } from './health/health-server.js';
import { PendingGatewayWorkSource, UnavailableOperationRunner } from './runs/pending-gateway.js';
import { RunLoop, errorSummary, type DrainReport } from './runs/run-loop.js';
import type { OperationRunner, WorkSource } from './runs/work-source.js';
import { pruneExpiredAgentLogs } from './storage/log-retention.js';
import { preparePrivateDirectory } from './storage/private-directory.js';
import { WorkDirectory } from './storage/work-directory.js';
import { agentVersion } from './version.js';

export interface RunAgentOptions {
  readonly config: AgentConfig;
  readonly logger: Logger;
  /** Aborting it asks the agent to stop: no new work, in-flight runs get the grace period. */
  readonly shutdownSignal: AbortSignal;
  /** Defaults to the pending gateway source, which offers no runs until the gateway client lands. */
  readonly workSource?: WorkSource;
  /** Defaults to a runner that fails every run: connectors arrive in a later issue. */
  readonly operationRunner?: OperationRunner;
  /** Called once the agent is running (work directory swept, run loop pulling, health endpoint up). */
  readonly onRunning?: (status: { readonly healthPort: number | null }) => void;
}

export type AgentStopReport = DrainReport;

const LOG_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/** Runs the agent until `shutdownSignal` aborts, then drains and reports what happened to in-flight runs. */
export async function runAgent(options: RunAgentOptions): Promise<AgentStopReport> {
  const { config, logger } = options;
  const workSource = options.workSource ?? new PendingGatewayWorkSource(config.gatewayUrl);
  logger.info('agent starting', { version: agentVersion(), config: describeAgentConfig(config) });
  for (const warning of config.warnings) logger.warn(warning);

  const workDirectory = new WorkDirectory(config.workDir);
  for (const [setting, prepared] of [
    ['stateDir', await preparePrivateDirectory(config.stateDir)],
    ['workDir', await workDirectory.prepare()],
    ['logDir', await preparePrivateDirectory(config.logDir)],
  ] as const) {
    if (prepared.readableByOthers)
      logger.warn(`${setting} is readable by other users; chmod 700 it`, { setting });
  }
  const swept = await workDirectory.sweep();
  logger.info('work directory swept', { leftoverRunFolders: swept });

  // Local logs and record files may hold business data: keep them no longer than configured.
  const pruneLogs = async (): Promise<void> => {
    try {
      const expired = await pruneExpiredAgentLogs(
        config.logDir,
        config.logRetentionDays,
        Date.now(),
      );
      if (expired.length > 0)
        logger.info('expired local logs deleted', { entries: expired.length });
    } catch (error) {
      logger.error('deleting expired local logs failed', { error: errorSummary(error) });
    }
  };
  await pruneLogs();
  const pruneTimer = setInterval(() => void pruneLogs(), LOG_PRUNE_INTERVAL_MS).unref();

  const runLoop = new RunLoop({
    workSource,
    operationRunner: options.operationRunner ?? new UnavailableOperationRunner(),
    workDirectory,
    logger,
    maxConcurrentRuns: config.maxConcurrentRuns,
  });
  let health: HealthServer | undefined;
  try {
    if (config.healthPort !== null) {
      health = await HealthServer.start(config.healthPort, () => ({
        status: runLoop.draining ? 'draining' : 'running',
        inFlightRuns: runLoop.inFlightCount,
      }));
    }
    runLoop.start();
    logger.info('agent running', {
      workSource: workSource.description,
      healthPort: health?.port ?? null,
    });
    options.onRunning?.({ healthPort: health?.port ?? null });

    await aborted(options.shutdownSignal);
    logger.info('shutdown requested; taking no new work', {
      inFlightRuns: runLoop.inFlightCount,
      gracePeriodMs: config.shutdownGraceMs,
    });
    const report = await runLoop.drain(config.shutdownGraceMs);
    logger.info('agent stopped', {
      finishedRuns: report.finishedRunIds.length,
      releasedRuns: report.releasedRunIds.length,
      releasedRunIds: report.releasedRunIds,
    });
    return report;
  } finally {
    clearInterval(pruneTimer);
    await health?.close();
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
