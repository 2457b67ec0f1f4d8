import { DataSource } from 'typeorm';
import { Environment } from './entities/environment.entity.js';
import { Membership } from './entities/membership.entity.js';
import { Organization } from './entities/organization.entity.js';
import { RoleRecord } from './entities/role.entity.js';
import { User } from './entities/user.entity.js';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema.js';
import { KeysSecretsAudit1764100000000 } from './migrations/1764100000000-keys-secrets-audit.js';
import { TenantIsolation1764200000000 } from './migrations/1764200000000-tenant-isolation.js';
import { AuditChain1764300000000 } from './migrations/1764300000000-audit-chain.js';
import { Sessions1764400000000 } from './migrations/1764400000000-sessions.js';
import { ApiKeys1764500000000 } from './migrations/1764500000000-api-keys.js';
import { TwoFactorAndSso1764600000000 } from './migrations/1764600000000-two-factor-and-sso.js';
import { AccountsAndMail1764700000000 } from './migrations/1764700000000-accounts-and-mail.js';
import { OrganizationPolicies1764800000000 } from './migrations/1764800000000-organization-policies.js';
import { Agents1764900000000 } from './migrations/1764900000000-agents.js';
import { Runs1765000000000 } from './migrations/1765000000000-runs.js';
import { EnrolmentRetry1765100000000 } from './migrations/1765100000000-enrolment-retry.js';
import { CloudAgentGroups1765200000000 } from './migrations/1765200000000-cloud-agent-groups.js';
import { Projects1765300000000 } from './migrations/1765300000000-projects.js';
import { ActivityLog1765400000000 } from './migrations/1765400000000-activity-log.js';
import { ProjectFiles1765500000000 } from './migrations/1765500000000-project-files.js';
import { CliLogins1765600000000 } from './migrations/1765600000000-cli-logins.js';
import { RunChains1765700000000 } from './migrations/1765700000000-run-chains.js';

export const ENTITIES = [Organization, Environment, User, RoleRecord, Membership];
/** Every migration, in order. Schema changes only ever happen through these. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  KeysSecretsAudit1764100000000,
  TenantIsolation1764200000000,
  AuditChain1764300000000,
  Sessions1764400000000,
  ApiKeys1764500000000,
  TwoFactorAndSso1764600000000,
  AccountsAndMail1764700000000,
  OrganizationPolicies1764800000000,
  Agents1764900000000,
  Runs1765000000000,
  EnrolmentRetry1765100000000,
  CloudAgentGroups1765200000000,
  Projects1765300000000,
  ActivityLog1765400000000,
  ProjectFiles1765500000000,
  CliLogins1765600000000,
  RunChains1765700000000,
];

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  /** Bound on opening a connection, so boot and /ready never hang on an unreachable server. */
  connectTimeoutMs?: number;
  applicationName?: string;
}

export function createDataSource(settings: DatabaseSettings): DataSource {
  return new DataSource({
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: settings.poolSize ?? 10,
    applicationName: settings.applicationName ?? 'weft-control-plane',
    connectTimeoutMS: settings.connectTimeoutMs ?? 5000,
    extra: { query_timeout: 30_000 },
  });
}

/**
 * Names of the migrations this build has that the database has not applied. Read-only
 * (TypeORM's showMigrations() creates its bookkeeping table as a side effect).
 */
export async function pendingMigrations(dataSource: Pick<DataSource, 'query'>): Promise<string[]> {
  const [{ present }] = (await dataSource.query(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
  )) as [{ present: boolean }];
  const applied = present
    ? new Set(
        (
          (await dataSource.query(`SELECT name FROM schema_migrations`)) as Array<{ name: string }>
        ).map((r) => r.name),
      )
    : new Set<string>();
  return MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(name));
}

/**
 * Applies pending migrations; returns the names applied. Holds a session advisory lock for the
 * whole run (TypeORM takes none), so two `migrate` runs at once — init containers of several
 * replicas — apply each migration exactly once.
 */
export async function migrate(url: string): Promise<string[]> {
  const dataSource = createDataSource({ url, poolSize: 1 });
  await dataSource.initialize();
  try {
    await dataSource.query(`SELECT pg_advisory_lock(hashtext('weft.migrate'))`);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await dataSource.query(`SELECT pg_advisory_unlock(hashtext('weft.migrate'))`);
    }
  } finally {
    await dataSource.destroy();
  }
}
