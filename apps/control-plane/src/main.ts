import 'reflect-metadata';
import { createJsonLogger, noopLogger } from '@weft/log-schema';
import {
  StartupError,
  compileTlsSettings,
  exitWithLine,
  listenUntilSignal,
  loadConfigOrExit,
} from '@weft/server-kit';
import { BootstrapError, bootstrapFirstAdmin } from './bootstrap/first-admin.js';
import { BACKUP_COMMAND_USAGE, BackupError, runBackupCommand } from './backup/index.js';
import { BackupEnv, BootstrapEnv, KeysEnv, MigrateEnv } from './config/commands.config.js';
import { compileBackupSettings, compileS3Settings } from './config/storage-settings.js';
import { createS3Client } from './infrastructure/dependencies.js';
import { KEYS_HELP, UsageError, runKeysCommand } from './keys/keys-command.js';
import { AgentError } from './agents/agent-registry.js';
import {
  CLOUD_AGENTS_HELP,
  CloudAgentsUsageError,
  runCloudAgentsCommand,
} from './agents/cloud-agents-command.js';
import { compileKeySettings } from './config/key-settings.js';
import { openKeyEncryptionKeys } from './keys/key-providers.js';
import { OrgKeys } from './keys/org-keys.js';
import { ControlPlaneEnv, compileControlPlaneConfig } from './config/control-plane.config.js';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate, pendingMigrations } from './database/data-source.js';
import { createControlPlane } from './control-plane.js';

const SERVICE = 'control-plane';

const HELP = `Usage: weft-control-plane [command]

Commands:
  serve       start the HTTP API (the default)
  migrate     apply pending database migrations, then exit
  keys        data key status, rotation, re-encryption and KEK re-wrap
              (weft-control-plane keys --help)
  backup      take an encrypted backup of the database into the object store
  restore <backupId>
              restore a backup into the empty database WEFT_RESTORE_DATABASE_URL
              (default DATABASE_URL)
  backups list | prune --older-than <N>d
              list backups, or delete those older than N days (never the newest)
  cloud-agents create-group | enrolment-token
              cloud agent groups, run by the installation for every organization
              (weft-control-plane cloud-agents --help)
  bootstrap   create the first organization, its development/test/production
              environments, the built-in roles and an administrator; idempotent.
              Add --json for machine-readable output.
  help        show this text

Settings come from environment variables; docs/configuration.md lists every one.
`;

async function serve(): Promise<void> {
  const { config, secrets } = loadConfigOrExit(SERVICE, ControlPlaneEnv, (env) => ({
    ...compileControlPlaneConfig(env),
    tls: compileTlsSettings(env),
  }));
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
    tls: config.tls,
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

async function runCloudAgents(args: string[]): Promise<void> {
  if (args.length === 0 || args[0] === '--help' || args[0] === 'help') {
    process.stdout.write(CLOUD_AGENTS_HELP);
    return;
  }
  const { config: env } = loadConfigOrExit(SERVICE, MigrateEnv);
  const dataSource = createDataSource({ url: env.DATABASE_URL, poolSize: 2 });
  await dataSource.initialize();
  try {
    process.stdout.write(await runCloudAgentsCommand(dataSource, args));
  } finally {
    await dataSource.destroy();
  }
}

async function runBootstrap(json: boolean): Promise<void> {
  const {
    config: { env, keySettings },
  } = loadConfigOrExit(SERVICE, BootstrapEnv, (env) => ({
    env,
    keySettings: compileKeySettings(env),
  }));
  const kek = await openKeyEncryptionKeys(keySettings.kek);
  const dataSource = await openCommandDatabase(env.DATABASE_URL);
  try {
    const keys = new OrgKeys(dataSource, kek, {
      cacheTtlMs: keySettings.cacheTtlMs,
      logger: noopLogger,
    });
    const result = await bootstrapFirstAdmin(dataSource, keys, {
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

/** Opens the database for a one-shot command, refusing one with pending migrations. */
async function openCommandDatabase(url: string): Promise<DataSource> {
  const dataSource = createDataSource({ url, poolSize: 2 });
  await dataSource.initialize().catch((error: unknown) => {
    throw new StartupError(
      `cannot connect to PostgreSQL at DATABASE_URL: ${(error as Error).message}`,
    );
  });
  if ((await pendingMigrations(dataSource)).length > 0) {
    await dataSource.destroy();
    throw new StartupError(
      'the database has pending migrations: run "weft-control-plane migrate" first',
    );
  }
  return dataSource;
}

async function runKeys(args: string[]): Promise<void> {
  if (args.length === 0 || args[0] === '--help' || args[0] === 'help') {
    process.stdout.write(KEYS_HELP);
    return;
  }
  const {
    config: { env, keySettings },
    secrets,
  } = loadConfigOrExit(SERVICE, KeysEnv, (env) => ({ env, keySettings: compileKeySettings(env) }));
  // Progress goes to stderr as JSON lines; stdout carries the command's result.
  const logger = createJsonLogger({
    service: SERVICE,
    level: 'info',
    secretValues: secrets,
    write: (line) => process.stderr.write(`${line}\n`),
  });
  const kek = await openKeyEncryptionKeys(keySettings.kek);
  const dataSource = await openCommandDatabase(env.DATABASE_URL);
  const keys = new OrgKeys(dataSource, kek, { cacheTtlMs: keySettings.cacheTtlMs, logger });
  try {
    await runKeysCommand(args, {
      dataSource,
      keys,
      logger,
      batchSize: 500,
      write: (line) => process.stdout.write(`${line}\n`),
    });
  } finally {
    await keys.flushEncryptionCounts();
    await dataSource.destroy();
  }
}

async function runBackups(args: string[]): Promise<void> {
  if (args.includes('--help')) {
    process.stdout.write(
      `Usage: weft-control-plane backup | restore <backupId> | backups <list|prune>\n${BACKUP_COMMAND_USAGE}\n`,
    );
    return;
  }
  const {
    config: { env, keySettings, s3Settings, backupSettings },
    secrets,
  } = loadConfigOrExit(SERVICE, BackupEnv, (env) => ({
    env,
    keySettings: compileKeySettings(env),
    s3Settings: compileS3Settings(env),
    backupSettings: compileBackupSettings(env),
  }));
  const logger = createJsonLogger({
    service: SERVICE,
    level: 'info',
    secretValues: secrets,
    write: (line) => process.stderr.write(`${line}\n`),
  });
  const keyProvider = await openKeyEncryptionKeys(keySettings.kek);
  const s3 = createS3Client(s3Settings);
  try {
    await runBackupCommand(args, {
      databaseUrl: env.DATABASE_URL,
      ...(env.WEFT_RESTORE_DATABASE_URL !== undefined
        ? { targetDatabaseUrl: env.WEFT_RESTORE_DATABASE_URL }
        : {}),
      s3,
      bucket: s3Settings.bucket,
      prefix: backupSettings.prefix,
      keyProvider,
      logger,
      write: (line) => process.stdout.write(`${line}\n`),
    });
  } finally {
    s3.destroy();
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
    case 'keys':
      return runKeys(rest);
    case 'cloud-agents':
      return runCloudAgents(rest);
    case 'backup':
    case 'restore':
      return runBackups([command, ...rest]);
    case 'backups':
      return runBackups(rest);
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
  if (error instanceof UsageError || error instanceof CloudAgentsUsageError)
    exitWithLine(SERVICE, error.message, 2);
  if (AgentError.is(error)) exitWithLine(SERVICE, `${error.code}: ${error.message}`, 1);
  if (BackupError.is(error)) {
    exitWithLine(
      SERVICE,
      `${error.code}: ${error.message}`,
      error.code === 'INVALID_ARGUMENT' ? 2 : 1,
    );
  }
  if (StartupError.is(error) || error instanceof BootstrapError)
    exitWithLine(SERVICE, error.message, 1);
  exitWithLine(SERVICE, `fatal: ${error instanceof Error ? error.message : String(error)}`, 1);
});
