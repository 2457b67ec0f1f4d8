import 'reflect-metadata';
import { createJsonLogger } from '@weft/log-schema';
import { StartupError, exitWithLine, listenUntilSignal, loadConfigOrExit } from '@weft/server-kit';
import { BootstrapError, bootstrapFirstAdmin } from './bootstrap/first-admin.js';
import { BootstrapEnv, MigrateEnv } from './config/commands.config.js';
import { ControlPlaneEnv, compileControlPlaneConfig } from './config/control-plane.config.js';
import { createDataSource, migrate, pendingMigrations } from './database/data-source.js';
import { createControlPlane } from './control-plane.js';

const SERVICE = 'control-plane';

const HELP = `Usage: weft-control-plane [command]

Commands:
  serve       start the HTTP API (the default)
  migrate     apply pending database migrations, then exit
  bootstrap   create the first organization, its development/test/production
              environments, the built-in roles and an administrator; idempotent.
              Add --json for machine-readable output.
  help        show this text

Settings come from environment variables; docs/configuration.md lists every one.
`;

async function serve(): Promise<void> {
  const { config, secrets } = loadConfigOrExit(SERVICE, ControlPlaneEnv, compileControlPlaneConfig);
  const logger = createJsonLogger({
    service: SERVICE,
    level: config.logLevel,
    secretValues: secrets,
  });
  const { app, dependencies } = await createControlPlane(config, logger);
  await listenUntilSignal(app, {
    port: config.http.port,
    host: config.http.host,
    logger,
    graceMs: config.shutdownGraceMs,
    release: () => dependencies.close(),
    name: 'control plane',
  });
}

async function runMigrate(): Promise<void> {
  const { config: env } = loadConfigOrExit(SERVICE, MigrateEnv);
  const applied = await migrate(env.DATABASE_URL).catch((error: unknown) => {
    throw new StartupError(
      `cannot migrate the database at DATABASE_URL: ${(error as Error).message}`,
    );
  });
  process.stdout.write(
    applied.length === 0
      ? 'migrate: database schema is up to date\n'
      : `migrate: applied ${applied.join(', ')}\n`,
  );
}

async function runBootstrap(json: boolean): Promise<void> {
  const { config: env } = loadConfigOrExit(SERVICE, BootstrapEnv);
  const dataSource = createDataSource({ url: env.DATABASE_URL, poolSize: 1 });
  await dataSource.initialize().catch((error: unknown) => {
    throw new StartupError(
      `cannot connect to PostgreSQL at DATABASE_URL: ${(error as Error).message}`,
    );
  });
  try {
    if ((await pendingMigrations(dataSource)).length > 0) {
      throw new StartupError(
        'the database has pending migrations: run "weft-control-plane migrate" first',
      );
    }
    const result = await bootstrapFirstAdmin(dataSource, {
      organizationName: env.WEFT_BOOTSTRAP_ORG_NAME,
      organizationSlug: env.WEFT_BOOTSTRAP_ORG_SLUG,
      adminEmail: env.WEFT_BOOTSTRAP_ADMIN_EMAIL,
      adminFirstName: env.WEFT_BOOTSTRAP_ADMIN_FIRST_NAME,
      adminLastName: env.WEFT_BOOTSTRAP_ADMIN_LAST_NAME,
      ...(env.WEFT_BOOTSTRAP_ADMIN_PASSWORD !== undefined
        ? { adminPassword: env.WEFT_BOOTSTRAP_ADMIN_PASSWORD }
        : {}),
    });
    if (json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const { organization, environments, admin } = result;
    process.stdout.write(
      `bootstrap: organization "${organization.name}" (${organization.slug}) ${organization.created ? 'created' : 'already present'}\n` +
        `bootstrap: environments ${environments.map((e) => e.name).join(', ')}\n` +
        `bootstrap: administrator ${admin.email} ${admin.created ? 'created' : 'already present'}\n` +
        (admin.generatedPassword !== undefined
          ? `bootstrap: generated password (shown once): ${admin.generatedPassword}\n`
          : ''),
    );
  } finally {
    await dataSource.destroy();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate':
      return runMigrate();
    case 'bootstrap':
      return runBootstrap(rest.includes('--json'));
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return;
    default:
      exitWithLine(SERVICE, `unknown command "${command}" (try --help)`, 2);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (StartupError.is(error) || error instanceof BootstrapError)
    exitWithLine(SERVICE, error.message, 1);
  exitWithLine(SERVICE, `fatal: ${error instanceof Error ? error.message : String(error)}`, 1);
});
