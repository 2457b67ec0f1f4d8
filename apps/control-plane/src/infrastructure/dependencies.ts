import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import type { Logger } from '@weft/log-schema';
import {
  StartupError,
  closeNats,
  connectNatsAtBoot,
  describeUrl,
  natsDependencyCheck,
  type DependencyCheck,
} from '@weft/server-kit';
import type { ControlPlaneConfig, S3Settings } from '../config/control-plane.config.js';
import { createDataSource, pendingMigrations } from '../database/data-source.js';
import { BackupScheduler } from '../backup/index.js';
import { ApiKeys } from '../identity/api-keys.js';
import { PasswordLogin } from '../identity/password-login.js';
import { Principals } from '../identity/principals.js';
import { Sessions } from '../identity/sessions.js';
import { SignInChallenges } from '../identity/sign-in-challenges.js';
import { TwoFactor } from '../identity/two-factor.js';
import { IdentityProviders } from '../identity/sso/identity-providers.js';
import { SsoSignIn } from '../identity/sso/sso-sign-in.js';
import { Accounts } from '../identity/accounts.js';
import { MailOutbox, type MailTransport } from '../mail/mail-outbox.js';
import { directoryTransport, smtpTransport } from '../mail/transports.js';
import { Invitations } from '../organization/invitations.js';
import { RequestPolicies } from '../identity/request-policies.js';
import { openKeyEncryptionKeys } from '../keys/key-providers.js';
import { OrgKeys } from '../keys/org-keys.js';
import { ReencryptionJobs } from '../keys/reencryption.js';
import { AgentRegistry } from '../agents/agent-registry.js';
import { AgentService } from '../agents/agent-service.js';
import { SecretsVault } from '../vault/secrets-vault.js';
import { RunEvents } from '../runs/run-events.js';
import { RunOutbox, RunQueues } from '../runs/run-outbox.js';
import { Runs } from '../runs/runs.js';
import { AgentGroupKinds } from '../runs/agent-group-kinds.js';
import { createActivityServices, type ActivityServices } from '../activity/activity-services.js';
import { createProjectServices, type ProjectServices } from '../projects/project-services.js';
import { ProjectFiles } from '../files/project-files.js';

/** The control plane's live connections, opened once at boot and closed at shutdown. */
export interface ControlPlaneDependencies {
  dataSource: DataSource;
  nats: NatsConnection;
  s3: S3Client;
  keys: OrgKeys;
  reencryption: ReencryptionJobs;
  sessions: Sessions;
  passwordLogin: PasswordLogin;
  principals: Principals;
  apiKeys: ApiKeys;
  twoFactor: TwoFactor;
  signInChallenges: SignInChallenges;
  identityProviders: IdentityProviders;
  ssoSignIn: SsoSignIn;
  mail: MailOutbox;
  accounts: Accounts;
  invitations: Invitations;
  requestPolicies: RequestPolicies;
  agents: AgentRegistry;
  runs: Runs;
  runOutbox: RunOutbox;
  runEvents: RunEvents;
  activity: ActivityServices;
  projects: ProjectServices;
  files: ProjectFiles;
  vault: SecretsVault;
  close(): Promise<void>;
}

/** How often a replica checks whether a scheduled backup is due. */
const BACKUP_CHECK_MS = 10 * 60_000;

// PostgreSQL errors that retrying cannot fix: bad password, unknown database or role.
const PERMANENT_PG_ERRORS = new Set(['28P01', '28000', '3D000', '42501']);

export async function openDatabase(
  config: ControlPlaneConfig,
  logger: Logger,
): Promise<DataSource> {
  const deadline = Date.now() + config.startupTimeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    const dataSource = createDataSource({
      url: config.database.url,
      poolSize: config.database.poolSize,
      connectTimeoutMs: 3000,
    });
    try {
      await dataSource.initialize();
      if ((await pendingMigrations(dataSource)).length > 0) {
        throw new StartupError(
          `the database at DATABASE_URL (${describeUrl(config.database.url)}) has pending migrations: run "weft-control-plane migrate" first`,
        );
      }
      return dataSource;
    } catch (error) {
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      if (StartupError.is(error)) throw error;
      const code = (error as { code?: string }).code;
      const reason = error instanceof Error ? error.message : String(error);
      if ((code !== undefined && PERMANENT_PG_ERRORS.has(code)) || Date.now() + 1000 > deadline) {
        throw new StartupError(
          `cannot connect to PostgreSQL at DATABASE_URL (${describeUrl(config.database.url)}): ${reason}`,
        );
      }
      logger.warn('PostgreSQL not reachable yet; retrying', { attempt, reason });
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * attempt, 3000)));
    }
  }
}

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    maxAttempts: 2,
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials !== undefined ? { credentials: settings.credentials } : {}),
  });
}

export async function openDependencies(
  config: ControlPlaneConfig,
  logger: Logger,
): Promise<ControlPlaneDependencies> {
  // The KEK first: a missing or malformed key stops boot before anything is opened.
  const kek = await openKeyEncryptionKeys(config.keys.kek);
  const dataSource = await openDatabase(config, logger);
  let nats: NatsConnection;
  try {
    nats = await connectNatsAtBoot(config.nats, {
      timeoutMs: config.startupTimeoutMs,
      logger,
      name: 'weft-control-plane',
    });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  const s3 = createS3Client(config.s3);
  const keys = new OrgKeys(dataSource, kek, {
    cacheTtlMs: config.keys.cacheTtlMs,
    logger: logger.child({ component: 'keys' }),
  });
  const reencryption = new ReencryptionJobs(dataSource, keys, {
    logger: logger.child({ component: 're-encryption' }),
    batchSize: config.reencryptBatchSize,
  });
  reencryption.start(config.keyHousekeepingMs);
  const flushCounts = (): Promise<void> =>
    keys.flushEncryptionCounts().catch((error: unknown) => {
      logger.warn('could not store data key encryption counts; will retry', { err: error });
    });
  const flushTimer = setInterval(() => void flushCounts(), config.keyHousekeepingMs);
  flushTimer.unref();
  // Scheduled backups: every replica checks, the one holding the lock backs up.
  const backups =
    config.backups.intervalMs > 0
      ? new BackupScheduler({
          databaseUrl: config.database.url,
          s3,
          bucket: config.s3.bucket,
          prefix: config.backups.prefix,
          keyProvider: kek,
          intervalMs: Math.min(config.backups.intervalMs, BACKUP_CHECK_MS),
          maxAgeMs: config.backups.intervalMs,
          retentionDays: config.backups.retentionDays,
          logger: logger.child({ component: 'backup' }),
        })
      : undefined;
  backups?.start();
  const passwordLogin = new PasswordLogin(dataSource, {
    maxFailures: config.sessions.maxFailures,
    lockMs: config.sessions.lockMs,
  });
  passwordLogin.onBackgroundError = (error) =>
    logger.error('recording a failed sign-in failed', { err: error });
  const twoFactor = new TwoFactor(dataSource, kek);
  const sessions = new Sessions(dataSource, config.sessions);
  const transport: MailTransport | undefined =
    config.mail.smtpUrl !== undefined
      ? smtpTransport(config.mail.smtpUrl)
      : config.mail.directory !== undefined
        ? directoryTransport(config.mail.directory)
        : undefined;
  const mail = new MailOutbox(
    dataSource,
    kek,
    transport,
    { from: config.mail.from, publicUrl: config.mail.publicUrl, pollMs: 2000, maxAttempts: 10 },
    logger.child({ component: 'mail' }),
  );
  mail.start();
  // Runs: the streams exist before anything is published or read; then the agent service
  // answers gateways, the relay publishes committed runs and agents' events are applied.
  const queues = new RunQueues(nats, { ackWaitMs: config.runs.ackWaitMs });
  try {
    await queues.ensureStreams();
  } catch (error) {
    throw new StartupError(
      `cannot set up the JetStream streams on NATS_URL: ${error instanceof Error ? error.message : String(error)} (is JetStream enabled, and may the control-plane user manage WEFT_RUNS and WEFT_EVENTS?)`,
    );
  }
  const agents = new AgentRegistry(dataSource);
  const vault = new SecretsVault(dataSource, keys);
  const agentService = new AgentService(
    dataSource,
    nats,
    agents,
    vault,
    logger.child({ component: 'agents' }),
  );
  agents.onAgentChanged = (agentId) => agentService.agentChanged(agentId);
  agentService.start();
  const groupKinds = new AgentGroupKinds(dataSource);
  const runOutbox = new RunOutbox(
    dataSource,
    nats,
    queues,
    { pollMs: 1000 },
    logger.child({ component: 'run-outbox' }),
    groupKinds,
  );
  runOutbox.start();
  // The activity log: written with each change of a run; its partitions kept hourly.
  const activity = createActivityServices(
    dataSource,
    keys,
    config.activity,
    logger.child({ component: 'activity' }),
  );
  activity.maintenance.start();
  const runs = new Runs(dataSource, () => runOutbox.wake(), groupKinds, activity.log);
  const runEvents = new RunEvents(
    dataSource,
    nats,
    logger.child({ component: 'run-events' }),
    activity.log,
  );
  // Schemas and customizations: encrypted objects in the control plane's bucket.
  const files = new ProjectFiles(dataSource, keys, { s3, bucket: config.s3.bucket });
  const projects = createProjectServices(dataSource, keys, runs, groupKinds, files, activity.log);
  // A finished run of a project starts the operations chained to it, in the same transaction.
  runEvents.onRunFinished = (tx, finished) => projects.runs.startChained(tx, finished);
  runEvents.start();
  return {
    dataSource,
    nats,
    s3,
    keys,
    reencryption,
    sessions,
    passwordLogin,
    principals: new Principals(dataSource),
    apiKeys: new ApiKeys(dataSource),
    twoFactor,
    signInChallenges: new SignInChallenges(dataSource, twoFactor),
    identityProviders: new IdentityProviders(dataSource, keys, {
      allowLoopbackIssuers: config.sessions.allowLoopbackIssuers,
    }),
    ssoSignIn: new SsoSignIn(dataSource),
    mail,
    accounts: new Accounts(dataSource, mail, sessions),
    invitations: new Invitations(dataSource, mail),
    requestPolicies: new RequestPolicies(dataSource, logger.child({ component: 'audit' })),
    agents,
    runs,
    runOutbox,
    runEvents,
    activity,
    projects,
    files,
    vault,
    async close() {
      clearInterval(flushTimer);
      await agentService.stop();
      await runOutbox.stop();
      await runEvents.stop();
      await activity.streams.closeAll();
      await activity.maintenance.stop();
      await mail.stop();
      await backups?.stop();
      await passwordLogin.settled();
      await reencryption.stop();
      await flushCounts();
      s3.destroy();
      await closeNats(nats);
      await dataSource.destroy();
    },
  };
}

export function dependencyChecks(
  deps: ControlPlaneDependencies,
  bucket: string,
): DependencyCheck[] {
  return [
    { name: 'postgres', check: async () => void (await deps.dataSource.query('SELECT 1')) },
    natsDependencyCheck(deps.nats),
    {
      name: 's3',
      check: async () => {
        await deps.s3.send(new HeadBucketCommand({ Bucket: bucket }), {
          abortSignal: AbortSignal.timeout(2000),
        });
      },
    },
  ];
}
