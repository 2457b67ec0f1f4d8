import { createJsonLogger } from '@weft/log-schema';
import { runAgent } from '../agent.js';
import { AgentConfigError } from '../config/agent-config.error.js';
import { secretValuesOf } from '../config/agent-config.js';
import { loadAgentConfig } from '../config/load-agent-config.js';
import { AgentLogFile } from '../logging/agent-log-file.js';
import { errorSummary } from '../runs/run-loop.js';
import { agentVersion } from '../version.js';
import { parseCliArguments } from './cli-arguments.js';
import { renderHelp } from './help-text.js';
import { exitCodeFor, onShutdownSignals, type SignalSource } from './shutdown-signals.js';

/** Everything the command line touches of its process, so it can be driven in-process as well. */
export interface CliEnvironment {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly signals: SignalSource;
  /** Ends the process now; used when a second signal arrives during the drain. */
  readonly exit: (code: number) => void;
}

/** weft-agent itself: parses arguments, loads configuration, runs the agent. Resolves with the exit code. */
export async function runCli(cli: CliEnvironment): Promise<number> {
  const command = parseCliArguments(cli.argv);
  switch (command.kind) {
    case 'help':
      cli.stdout(renderHelp(agentVersion()));
      return 0;
    case 'version':
      cli.stdout(`${agentVersion()}\n`);
      return 0;
    case 'usage-error':
      cli.stderr(`weft-agent: ${command.message}\n`);
      return 2;
    case 'run':
      break;
  }

  let config;
  try {
    config = await loadAgentConfig({ configPath: command.configPath, env: cli.env, cwd: cli.cwd });
  } catch (error) {
    if (!AgentConfigError.is(error)) throw error;
    cli.stderr(`weft-agent: invalid configuration: ${error.message}\n`);
    return 2;
  }

  const logFile = new AgentLogFile(config.logDir);
  const logger = createJsonLogger({
    service: 'weft-agent',
    level: config.logLevel,
    write: (line) => {
      const text = line.endsWith('\n') ? line : `${line}\n`;
      cli.stdout(text);
      logFile.write(text);
    },
    secretValues: secretValuesOf(config),
  });
  const shutdown = new AbortController();
  const stopListening = onShutdownSignals(cli.signals, {
    graceful: (signal) => {
      logger.info('signal received; stopping', { signal });
      shutdown.abort();
    },
    forced: (signal) => {
      logger.fatal('second signal received; exiting without waiting for runs', { signal });
      cli.exit(exitCodeFor(signal));
    },
  });
  try {
    await runAgent({ config, logger, shutdownSignal: shutdown.signal, env: cli.env });
    return 0;
  } catch (error) {
    logger.fatal('agent failed', { error: errorSummary(error) });
    return 1;
  } finally {
    stopListening();
    logFile.close();
  }
}
