// The activity list API's queries on a month of activity: 1,000,000 runs over 31 days in three
// environments, 20 projects each, five statuses and eight agents (plus 10% of another
// organization's rows, which row-level security must keep out of the way). Times the first
// page and a deep keyset page of every filter through ActivityQuery.list — the code the API
// runs, under row-level security and with messages decrypted — and prints p50/p95 with the
// ratio to a baseline measured in the same run: the primary-key lookup of one row through the
// same tenant transaction. Not a test: prints, never gates. Run: pnpm bench activity [rows].
import { randomUUID } from 'node:crypto';
import { LocalKeyProvider, generateLocalKek } from '@weft/crypto';
import { noopLogger } from '@weft/log-schema';
import { startPostgres } from '@weft/testing';
import { parseListQuery } from '../src/activity/activity-filters.js';
import { ActivityQuery } from '../src/activity/activity-query.js';
import { PartitionMaintenance } from '../src/activity/partition-maintenance.js';
import { MESSAGE_COLUMN } from '../src/activity/activity-log.js';
import { createDataSource, migrate } from '../src/database/data-source.js';
import { asOrgId, inTenant } from '../src/database/tenant.js';
import { bindingFor } from '../src/keys/encrypted-columns.js';
import { bootstrapFirstAdmin } from '../src/bootstrap/first-admin.js';
import { KeyEncryptionKeys } from '../src/keys/key-providers.js';
import { OrgKeys } from '../src/keys/org-keys.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const DAYS = 31;
const PROJECTS = 20;
const OPERATIONS = 5;
const AGENTS = 8;
const MESSAGES = 5000;
const ITERATIONS = 60;
const WARMUP = 5;

const postgres = await startPostgres();
const db = createDataSource({ url: postgres.url, poolSize: 4 });
try {
  await migrate(postgres.url);
  await db.initialize();
  const keys = new OrgKeys(
    db,
    new KeyEncryptionKeys(LocalKeyProvider.fromBase64(generateLocalKek())),
    { cacheTtlMs: 600_000, logger: noopLogger },
  );
  const [acme, globex] = await Promise.all(
    ['acme', 'globex'].map((slug) =>
      bootstrapFirstAdmin(db, keys, {
        organizationName: slug,
        organizationSlug: slug,
        adminEmail: `admin@${slug}.example`,
        adminFirstName: 'Ada',
        adminLastName: 'Admin',
      }),
    ),
  );
  const orgId = asOrgId(acme!.organization.id);
  const environments = acme!.environments.map((e) => e.id);
  const production = acme!.environments.find((e) => e.name === 'production')!.id;
  const projects = Array.from({ length: PROJECTS }, () => randomUUID());
  const agents = Array.from({ length: AGENTS }, () => randomUUID());
  const rareProject = randomUUID();
  const rareAgent = randomUUID();

  // Partitions for the month: one row per day in the DEFAULT partition, moved out by the job.
  const now = new Date();
  const group = randomUUID();
  await db.query(`INSERT INTO agent_groups (id, org_id, name) VALUES ($1, $2, 'bench')`, [
    group,
    orgId,
  ]);
  const setup = performance.now();
  await db.query(
    `INSERT INTO activity_log (org_id, run_id, environment_id, group_id, operation_id, status,
       submitted_at, submitted_by_kind)
     SELECT $1, gen_random_uuid(), $2, $3, 'seed', 'succeeded', $4::timestamptz - make_interval(days => d), 'system'
     FROM generate_series(0, ${DAYS}) AS d`,
    [orgId, production, group, now],
  );
  await new PartitionMaintenance(
    db,
    { retentionDays: DAYS, detailRetentionDays: 5, partitionsAhead: 7 },
    noopLogger,
  ).maintain(now);

  // The month in one statement per organization: uniform over 31 days; 60/25/15% of runs in
  // production/test/development; 92% succeeded, 6% failed, 2% cancelled and a few dozen running
  // or pending (as at any moment). One run in 20,000 belongs to a rare project, a rare
  // operation or a rare agent: a filter that matches few rows must not read the whole month.
  const load = (org: string, envs: string[], rows: number) =>
    db.query(
      `INSERT INTO activity_log (org_id, run_id, environment_id, group_id, project_id,
         project_name, operation_id, revision, agent_id, status, submitted_at, submitted_by_kind,
         started_at, completed_at, records_read, records_written, records_failed, error_code)
       SELECT $1, gen_random_uuid(),
         (CASE WHEN e < 0.6 THEN $2 WHEN e < 0.85 THEN $3 ELSE $4 END)::uuid, $5,
         CASE WHEN i % 20000 = 0 THEN $10::uuid ELSE ($6::uuid[])[1 + p] END,
         CASE WHEN i % 20000 = 0 THEN 'rare-project' ELSE 'project-' || p END,
         CASE WHEN i % 20000 = 1 THEN 'operation-rare' ELSE 'operation-' || o END, 1 + (i % 7),
         CASE WHEN s >= 0.99995 THEN NULL WHEN i % 20000 = 2 THEN $11::uuid
              ELSE ($7::uuid[])[1 + (i % ${AGENTS})] END,
         CASE WHEN s < 0.92 THEN 'succeeded' WHEN s < 0.98 THEN 'failed'
              WHEN s < 0.99990 THEN 'cancelled' WHEN s < 0.99995 THEN 'running' ELSE 'pending' END,
         t, 'schedule', t + interval '1 second', t + interval '30 seconds', 1000, 990, 10,
         CASE WHEN s >= 0.92 AND s < 0.98 THEN 'target_rejected' END
       FROM (SELECT i, random() AS e, random() AS s, floor(random() * ${PROJECTS})::int AS p,
                    floor(random() * ${OPERATIONS})::int AS o,
                    $8::timestamptz - random() * interval '${DAYS - 1} days' AS t
             FROM generate_series(1, $9) AS i) g`,
      [org, envs[0], envs[1], envs[2], group, projects, agents, now, rows, rareProject, rareAgent],
    );
  // Secondary indexes are built once after the load (as a restore would), not row by row.
  const indexes = (await db.query(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = 'activity_log'::regclass AND NOT x.indisprimary`,
  )) as Array<{ name: string; definition: string }>;
  for (const index of indexes) await db.query(`DROP INDEX ${index.name}`);
  const mainRows = Math.round(ROWS * 0.9);
  await load(orgId, [production, ...environments.filter((e) => e !== production)], mainRows);
  await load(
    globex!.organization.id,
    globex!.environments.map((e) => e.id),
    ROWS - mainRows,
  );
  const loaded = performance.now();
  // The definition of a partitioned index says ON ONLY: built without it, it reaches every partition.
  for (const index of indexes) await db.query(index.definition.replace(' ON ONLY ', ' ON '));
  const indexed = performance.now();
  // Real ciphertexts on the newest failed runs (a page shows them; decryption is in the timing).
  const failed = (await db.query(
    `SELECT run_id, submitted_at::text AS at FROM activity_log
     WHERE org_id = $1 AND status = 'failed' ORDER BY submitted_at DESC LIMIT ${MESSAGES}`,
    [orgId],
  )) as Array<{ run_id: string; at: string }>;
  await db.transaction(async (tx) => {
    const ids: string[] = [];
    const at: string[] = [];
    const ciphertexts: string[] = [];
    const versions: number[] = [];
    for (const row of failed) {
      const sealed = await keys.encrypt(
        tx,
        bindingFor(MESSAGE_COLUMN, orgId, row.run_id),
        `target postgres: row ${row.run_id.slice(0, 8)} rejected (duplicate key)`,
      );
      ids.push(row.run_id);
      at.push(row.at);
      ciphertexts.push(sealed.ciphertext);
      versions.push(sealed.keyVersion);
    }
    await tx.query(
      `UPDATE activity_log a SET message_ciphertext = m.c, key_version = m.v
       FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::int[]) AS m(id, at, c, v)
       WHERE a.submitted_at = m.at AND a.run_id = m.id`,
      [ids, at, ciphertexts, versions],
    );
  });
  const sealed = performance.now();
  await db.query(`ANALYZE activity_log`);
  const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM activity_log`)) as [
    { n: number },
  ];
  console.log(
    `setup: ${n} activity rows over ${DAYS} days (${MESSAGES} with encrypted messages) in ${seconds(setup, performance.now())} ` +
      `(rows ${seconds(setup, loaded)}, indexes ${seconds(loaded, indexed)}, messages ${seconds(indexed, sealed)}, analyze ${seconds(sealed, performance.now())})`,
  );

  const query = new ActivityQuery(db, keys);
  // A deep page: the cursor of a row ~half a month back in production.
  const [middle] = (await db.query(
    `SELECT run_id, to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t
     FROM activity_log WHERE org_id = $1 AND environment_id = $2
     ORDER BY submitted_at DESC, run_id DESC OFFSET ${Math.round(mainRows * 0.3)} LIMIT 1`,
    [orgId, production],
  )) as Array<{ run_id: string; t: string }>;
  const deep = Buffer.from(JSON.stringify({ k: 'l', t: middle!.t, r: middle!.run_id })).toString(
    'base64url',
  );
  const day = new Date(now.getTime() - 10 * 86_400_000);
  const cases: Array<[string, Record<string, string>]> = [
    ['no filter', {}],
    ['status=failed', { status: 'failed' }],
    ['status=cancelled', { status: 'cancelled' }],
    ['project', { project: projects[3]! }],
    ['project+operation', { project: projects[3]!, operation: 'operation-2' }],
    ['operation', { operation: 'operation-2' }],
    ['agent', { agent: agents[5]! }],
    [
      'from/to (one day)',
      { from: day.toISOString(), to: new Date(day.getTime() + 86_400_000).toISOString() },
    ],
    ['project+status=failed', { project: projects[3]!, status: 'failed' }],
    ['rare: status=running,pending', { status: 'running,pending' }],
    ['rare: project', { project: rareProject }],
    ['rare: operation', { operation: 'operation-rare' }],
    ['rare: agent', { agent: rareAgent }],
  ];

  const baseline = await timed(() =>
    inTenant(db, orgId, (tx) =>
      tx.query(`SELECT * FROM activity_log WHERE submitted_at = $1::timestamptz AND run_id = $2`, [
        middle!.t,
        middle!.run_id,
      ]),
    ),
  );
  console.log(
    `baseline: primary-key lookup of one row in a tenant transaction: p50 ${baseline.p50.toFixed(2)} ms, p95 ${baseline.p95.toFixed(2)} ms`,
  );
  console.log(
    'query (production, 50 per page)            first page p50/p95      deep page p50/p95   ×baseline p95',
  );
  let worst = 0;
  for (const [name, filters] of cases) {
    const first = await timed(() => query.list(orgId, production, parseListQuery(filters)));
    const later = await timed(() =>
      query.list(orgId, production, parseListQuery({ ...filters, cursor: deep })),
    );
    worst = Math.max(worst, first.p95, later.p95);
    console.log(
      `${name.padEnd(42)} ${fmt(first)}   ${fmt(later)}   ${(first.p95 / baseline.p95).toFixed(1)}× / ${(later.p95 / baseline.p95).toFixed(1)}×`,
    );
  }
  console.log(`worst p95: ${worst.toFixed(1)} ms (goal: under 50 ms)`);
} finally {
  if (db.isInitialized) await db.destroy();
  await postgres.stop();
}

async function timed(work: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < WARMUP; i += 1) await work();
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i += 1) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p95: at(0.95) };
}

function seconds(from: number, to: number): string {
  return `${((to - from) / 1000).toFixed(1)} s`;
}

function fmt(t: { p50: number; p95: number }): string {
  return `${t.p50.toFixed(1).padStart(7)} / ${t.p95.toFixed(1).padStart(6)} ms`;
}
