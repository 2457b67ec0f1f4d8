import 'reflect-metadata';
import { createJsonLogger } from '@weft/log-schema';
import {
  StartupError,
  compileTlsSettings,
  exitWithLine,
  listenUntilSignal,
  loadConfigOrExit,
} from '@weft/server-kit';
import { createGateway } from './gateway.js';
import { GatewayEnv, compileGatewayConfig } from './config/gateway.config.js';

const SERVICE = 'gateway';

const HELP = `Usage: weft-gateway

The only door for agents and for callers of published APIs. Settings come from environment
variables; docs/configuration.md lists every one.
`;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  if (argv.length > 0) exitWithLine(SERVICE, `unknown argument "${argv[0]}" (try --help)`, 2);

  const { config, secrets } = loadConfigOrExit(SERVICE, GatewayEnv, (env) => ({
    ...compileGatewayConfig(env),
    tls: compileTlsSettings(env),
  }));
  const logger = createJsonLogger({
    service: SERVICE,
    level: config.logLevel,
    secretValues: secrets,
  });
  const gateway = await createGateway(config, logger);
  await listenUntilSignal(gateway.app, {
    port: config.http.port,
    host: config.http.host,
    logger,
    graceMs: config.shutdownGraceMs,
    release: () => gateway.close(),
    name: 'gateway',
    tls: config.tls,
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (StartupError.is(error)) exitWithLine(SERVICE, error.message, 1);
  exitWithLine(SERVICE, `fatal: ${error instanceof Error ? error.message : String(error)}`, 1);
});
