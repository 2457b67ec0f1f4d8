// Runs through the whole path: submit (run + outbox row) → relay → JetStream → gateway →
// agent (empty operation) → outcome → control plane, with 1, 4 and 16 real agent processes.
// Prints runs/s, and submit→pickup p50/p99 at a steady rate. Baseline, measured in the same run on
// the same nats-server: bare JetStream with the same shape of work (publish, one pull per run by
// as many pullers as the agents have run slots, ack) — the floor the platform adds to.
// Not a test: prints, never gates. Run: pnpm bench [runs per point] (default 2000).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, RetentionPolicy, StorageType, connect } from 'nats';
import { createJsonLogger } from '@weft/log-schema';
import { validateEnv } from '@weft/server-kit';
import { startNats, startPostgres } from '@weft/testing';
import pg from 'pg';
import { ControlPlaneEnv, compileControlPlaneConfig } from '../src/config/control-plane.config.js';
import { createControlPlane } from '../src/control-plane.js';
import { migrate } from '../src/database/data-source.js';
import { asOrgId } from '../src/database/tenant.js';
import {
  eventually,
  gatewayTokenKey,
  startAgent,
  startGateway,
  type TestProcess,
} from '../test/agent-harness.js';
import { TEST_KEK, bootstrapOrganizations, organization } from '../test/support.js';

const RUNS = Number(process.argv[2] ?? 2000);
const SLOTS_PER_AGENT = 8;
const quiet = createJsonLogger({ service: 'control-plane', level: 'error', write: () => {} });

const postgres = await startPostgres();
const nats = await startNats();
const dir = await mkdtemp(join(tmpdir(), 'weft-runs-bench-'));
const cleanups: Array<() => Promise<unknown>> = [];
try {
  const db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
  cleanups.push(() => db.end());
  await migrate(postgres.url);
  const [org] = await bootstrapOrganizations(postgres.url, [organization('bench')]);
  const orgId = asOrgId(org!.organization.id);
  const environmentId = org!.environments[0]!.id;
  const actor = { type: 'user' as const, id: org!.admin.id };

  const config = compileControlPlaneConfig(
    validateEnv(ControlPlaneEnv, {
      DATABASE_URL: postgres.url,
      DATABASE_POOL_SIZE: '20',
      NATS_URL: nats.url,
      S3_ENDPOINT: 'http://127.0.0.1:9',
      S3_BUCKET: 'weft',
      S3_ACCESS_KEY_ID: 'bench',
      S3_SECRET_ACCESS_KEY: 'bench-secret',
      WEFT_KEK: TEST_KEK,
      WEFT_BACKUP_INTERVAL_HOURS: '0',
    }),
  );
  const controlPlane = await createControlPlane(config, quiet);
  cleanups.push(async () => {
    await controlPlane.app.close();
    await controlPlane.dependencies.close();
  });
  const { runs, agents } = controlPlane.dependencies;
  const gateway = await startGateway({ NATS_URL: nats.url, GATEWAY_TOKEN_KEY: gatewayTokenKey() });
  cleanups.push(() => gateway.kill());

  const baseline = await bareJetStream(nats.url, RUNS, SLOTS_PER_AGENT);
  console.log(
    `baseline: bare JetStream publish → pull → ack, ${RUNS} messages, ${SLOTS_PER_AGENT} pullers: ${baseline.toFixed(0)} msg/s`,
  );

  const running: TestProcess[] = [];
  cleanups.push(async () => Promise.all(running.map((agent) => agent.kill('SIGKILL'))));
  for (const count of [1, 4, 16]) {
    const group = await agents.bindGroup(orgId, environmentId, `bench-${count}`, actor);
    for (let i = 0; i < count; i += 1) {
      const { token } = await agents.createEnrolmentToken(orgId, environmentId, group.id, actor);
      running.push(
        await startAgent({
          name: `bench-${count}-${i}`,
          gatewayUrl: gateway.url,
          groupId: group.id,
          enrolmentToken: token,
          dir,
          env: {
            WEFT_AGENT_MAX_CONCURRENT_RUNS: String(SLOTS_PER_AGENT),
            WEFT_AGENT_LOG_LEVEL: 'error',
          },
        }),
      );
    }
    await eventually(
      async () =>
        (await agents.listAgents(orgId, environmentId, group.id)).filter(
          (a) => a.state !== 'offline',
        ).length === count || undefined,
      120_000,
      `${count} agents online`,
    );
    const submit = (operationId: string) =>
      runs.submit(
        orgId,
        { environmentId, groupId: group.id, operationId, operation: { version: 1 } },
        actor,
      );

    // Throughput: submit RUNS as fast as 16 concurrent callers can, until every run ended.
    const started = performance.now();
    await inParallel(RUNS, 16, () => submit(`throughput-${count}`));
    const submittedIn = performance.now() - started;
    await eventually(
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM runs WHERE group_id = $1 AND operation_id = $2 AND status IN ('succeeded', 'failed', 'cancelled')`,
          [group.id, `throughput-${count}`],
        );
        return rows[0].n === RUNS || undefined;
      },
      600_000,
      'every run to end',
    );
    const elapsed = (performance.now() - started) / 1000;
    const { rows: failed } = await db.query(
      `SELECT count(*)::int AS n FROM runs WHERE group_id = $1 AND status <> 'succeeded'`,
      [group.id],
    );

    // Latency: a steady 100 runs/s for 5 s; submit → pickup (the agent reporting the start).
    const steady = 500;
    await paced(steady, 100, () => submit(`latency-${count}`));
    await eventually(
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM runs WHERE group_id = $1 AND operation_id = $2 AND status = 'succeeded'`,
          [group.id, `latency-${count}`],
        );
        return rows[0].n === steady || undefined;
      },
      120_000,
      'the steady runs to end',
    );
    const { rows: pickup } = await db.query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
       FROM (SELECT extract(epoch FROM started_at - submitted_at) * 1000 AS ms
             FROM runs WHERE group_id = $1 AND operation_id = $2) t`,
      [group.id, `latency-${count}`],
    );
    const rate = RUNS / elapsed;
    console.log(
      `${String(count).padStart(2)} agent(s) × ${SLOTS_PER_AGENT} slots: ${rate.toFixed(0)} runs/s end to end ` +
        `(${(RUNS / (submittedIn / 1000)).toFixed(0)} submits/s; ${failed[0].n} not succeeded) — ` +
        `${(rate / baseline).toFixed(3)}× bare JetStream; pickup p50 ${Number(pickup[0].p50).toFixed(1)} ms, ` +
        `p99 ${Number(pickup[0].p99).toFixed(1)} ms at 100 runs/s`,
    );
    for (const agent of running.splice(0)) await agent.kill('SIGTERM');
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await nats.stop();
  await postgres.stop();
  await rm(dir, { recursive: true, force: true });
}

/** Calls `task` `total` times with at most `width` in flight. */
async function inParallel(
  total: number,
  width: number,
  task: () => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) {
        next += 1;
        await task();
      }
    }),
  );
}

/** Calls `task` `total` times at `perSecond`, not waiting for one to finish before the next. */
async function paced(
  total: number,
  perSecond: number,
  task: () => Promise<unknown>,
): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(task());
  }
  await Promise.all(pending);
}

/** Bare JetStream: publish `total` messages, `pullers` loops each pulling one and acking it. */
async function bareJetStream(url: string, total: number, pullers: number): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({
      name: 'BENCH',
      subjects: ['bench.>'],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
    await jsm.consumers.add('BENCH', { durable_name: 'bench', ack_policy: AckPolicy.Explicit });
    const js = nc.jetstream();
    const consumer = await js.consumers.get('BENCH', 'bench');
    const started = performance.now();
    const publishing = inParallel(total, 16, () => js.publish('bench.run', new Uint8Array(200)));
    let done = 0;
    await Promise.all([
      publishing,
      ...Array.from({ length: pullers }, async () => {
        while (done < total) {
          const message = await consumer.next({ expires: 1000 });
          if (message === null) continue;
          await message.ackAck();
          done += 1;
        }
      }),
    ]);
    const rate = total / ((performance.now() - started) / 1000);
    await jsm.streams.delete('BENCH');
    return rate;
  } finally {
    await nc.close();
  }
}
