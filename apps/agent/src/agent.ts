import type { Logger } from '@weft/log-schema';
import { describeAgentConfig, secretValuesOf, type AgentConfig } from './config/agent-config.js';
import { HealthServer } from './health/health-server.js';
import { hostname } from 'node:os';
import { GatewayClient } from './gateway/gateway-client.js';
import { GatewayTransport } from './gateway/gateway-transport.js';
import { GatewayWorkSource } from './gateway/gateway-work-source.js';
import { ConnectorOperationRunner } from './operations/connector-operation-runner.js';
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
  /** Defaults to the gateway (enrolment, access tokens, long-poll work pulling, heartbeats). */
  readonly workSource?: WorkSource;
  /** Defaults to the connector runner (operation version 1, the built-in connectors). */
  readonly operationRunner?: OperationRunner;
  /** What `env:` secret references read (within config.secretReferences); default: nothing. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Called once the agent is running (work directory swept, run loop pulling, health endpoint up). */
  readonly onRunning?: (status: { readonly healthPort: number | null }) => void;
}

export type AgentStopReport = DrainReport;

const LOG_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Runs the agent until `shutdownSignal` aborts, then drains and reports what happened to in-flight
 * runs. When the work source stops for good (the agent was revoked, enrolment refused) it drains
 * at once and rejects with the source's reason.
 */
export async function runAgent(options: RunAgentOptions): Promise<AgentStopReport> {
  const { config, logger } = options;
  const workSource = options.workSource ?? (await gatewayWorkSource(config, logger));
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
    operationRunner:
      options.operationRunner ??
      new ConnectorOperationRunner({
        agentKind: config.agentKind,
        logDir: config.logDir,
        secretReferences: config.secretReferences,
        env: options.env ?? {},
        maskedValues: secretValuesOf(config),
      }),
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

    const stop = workSource.stopSignal;
    await aborted(
      stop === undefined ? options.shutdownSignal : AbortSignal.any([options.shutdownSignal, stop]),
    );
    const stoppedBySource = stop?.aborted === true && !options.shutdownSignal.aborted;
    if (!stoppedBySource) {
      logger.info('shutdown requested; taking no new work', {
        inFlightRuns: runLoop.inFlightCount,
        gracePeriodMs: config.shutdownGraceMs,
      });
    }
    // Stopped by the source (revoked): runs can no longer report, so there is nothing to wait for.
    const report = await runLoop.drain(stoppedBySource ? 0 : config.shutdownGraceMs);
    if (stoppedBySource) throw stop?.reason ?? new Error('the work source stopped');
    logger.info('agent stopped', {
      finishedRuns: report.finishedRunIds.length,
      releasedRuns: report.releasedRunIds.length,
      releasedRunIds: report.releasedRunIds,
    });
    return report;
  } finally {
    clearInterval(pruneTimer);
    await health?.close();
    await workSource
      .close?.()
      .catch((error: unknown) =>
        logger.error('closing the work source failed', { error: errorSummary(error) }),
      );
  }
}

async function gatewayWorkSource(config: AgentConfig, logger: Logger): Promise<GatewayWorkSource> {
  const transport = await GatewayTransport.fromConfig(config);
  const agent = { name: config.agentName, version: agentVersion(), host: hostname() };
  const client = new GatewayClient({
    transport,
    stateDir: config.stateDir,
    enrolmentToken: config.enrolmentToken,
    agent,
    expectedGroupId: config.agentGroupId,
    logger,
  });
  return new GatewayWorkSource({
    client,
    gatewayUrl: config.gatewayUrl,
    logger,
    cloudLogging: config.cloudLogging,
    maxConcurrentRuns: config.maxConcurrentRuns,
    agent,
    onClose: () => transport.close(),
  });
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
