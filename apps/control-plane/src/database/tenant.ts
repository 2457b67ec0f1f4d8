import type { DataSource } from 'typeorm';
import type { Queryable } from './sql.js';
import { TENANT_ROLE, TENANT_TABLES } from './migrations/1764200000000-tenant-isolation.js';
import { isUuid } from './ids.js';
import { AGENT_TABLES } from './migrations/1764900000000-agents.js';
import { RUN_TABLES } from './migrations/1765000000000-runs.js';
import { PROJECT_TABLES } from './migrations/1765300000000-projects.js';
import { ACTIVITY_TABLES } from './migrations/1765400000000-activity-log.js';
import { PROJECT_FILE_TABLES } from './migrations/1765500000000-project-files.js';

/**
 * Every table whose rows belong to one organization (each has row-level security for
 * `weft_tenant`; a test checks the database against this list).
 */
export const ALL_TENANT_TABLES: ReadonlyArray<{ table: string; orgColumn: string }> = [
  ...TENANT_TABLES,
  { table: 'api_keys', orgColumn: 'org_id' },
  { table: 'org_identity_providers', orgColumn: 'org_id' },
  { table: 'invitations', orgColumn: 'org_id' },
  ...AGENT_TABLES.map((table) => ({ table, orgColumn: 'org_id' })),
  ...RUN_TABLES.map((table) => ({ table, orgColumn: 'org_id' })),
  ...PROJECT_TABLES.map((table) => ({ table, orgColumn: 'org_id' })),
  ...ACTIVITY_TABLES.map((table) => ({ table, orgColumn: 'org_id' })),
  ...PROJECT_FILE_TABLES.map((table) => ({ table, orgColumn: 'org_id' })),
];

declare const ORG_ID: unique symbol;

/**
 * An organization id that came from an authenticated principal (or the platform itself), not
 * from request data. Tenant repositories take this type, so passing a bare string is a compile
 * error: an org can be forgotten only on purpose.
 */
export type OrgId = string & { readonly [ORG_ID]: true };

/** Brands a validated organization id. Call it where the id is established, not where it is used. */
export function asOrgId(value: string): OrgId {
  if (!isUuid(value)) throw new Error('organization id must be a UUID');
  return value.toLowerCase() as OrgId;
}

/** A transaction scoped to one organization: its queries run under row-level security. */
export interface TenantTransaction extends Queryable {
  readonly orgId: OrgId;
}

/**
 * Runs `work` in one transaction acting for `orgId`: `weft.org_id` is set for the transaction
 * and queries run as the `weft_tenant` role, whose row-level security policies show and accept
 * only that organization's rows. Explicit `org_id` filters stay in the queries; this is the
 * wall behind them.
 */
export async function inTenant<T>(
  db: DataSource,
  orgId: OrgId,
  work: (tx: TenantTransaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (manager) => {
    await manager.query(`SELECT set_config('weft.org_id', $1, true)`, [orgId]);
    await manager.query(`SET LOCAL ROLE ${TENANT_ROLE}`);
    const tx: TenantTransaction = {
      orgId,
      query: (text: string, params?: unknown[]) => manager.query(text, params),
    } as TenantTransaction;
    return work(tx);
  });
}
