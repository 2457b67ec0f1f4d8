import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, testNatsUrl, type TestDatabase } from '@weft/testing';
import { asOrgId, type OrgId } from '../src/database/tenant.js';
import type { AuditActor } from '../src/audit/audit-trail.js';
import {
  eventually,
  gatewayTokenKey,
  startAgent,
  startGateway,
  type TestGateway,
  type TestProcess,
} from './agent-harness.js';
import { bootstrapOrganizations, organization, sqlRows, startControlPlane } from './support.js';

const RUNS = 500;
const AGENTS = 3;

interface Listening {
  server: Server;
  url: string;
}

function listenOn(server: Server): Promise<Listening> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}` });
    }),
  );
}

describe('three agents of one group on real NATS JetStream, one killed mid-run', () => {
  let database: TestDatabase;
  let stopControlPlane: () => Promise<void>;
  let runs: import('../src/runs/runs.js').Runs;
  let agents: import('../src/agents/agent-registry.js').AgentRegistry;
  let gateway: TestGateway;
  let dir: string;
  let orgId: OrgId;
  let environmentId: string;
  let actor: AuditActor;
  let source: Listening;
  let target: Listening;
  const agentProcesses: TestProcess[] = [];
  const tokenKey = gatewayTokenKey();
  // What the target received: idempotency key → times.
  const writes = new Map<string, number>();
  let beforeKill = true;

  beforeAll(async () => {
    database = await createTestDatabase();
    const [org] = await bootstrapOrganizations(database.url, [organization('failover')]);
    orgId = asOrgId(org!.organization.id);
    environmentId = org!.environments[0]!.id;
    actor = { type: 'user', id: org!.admin.id };
    const started = await startControlPlane(database.url, { WEFT_RUN_ACK_WAIT_SECONDS: '3' });
    stopControlPlane = started.stop;
    runs = started.controlPlane.dependencies.runs;
    agents = started.controlPlane.dependencies.agents;
    gateway = await startGateway({ NATS_URL: testNatsUrl(), GATEWAY_TOKEN_KEY: tokenKey });
    // The source answers after 300 ms — after 3 s until the kill, so the runs an agent holds
    // when the database shows them running (events are applied a moment later) are still
    // unfinished when it dies, however loaded the machine is.
    source = await listenOn(
      createServer((_request, response) => {
        setTimeout(
          () => {
            response.setHeader('content-type', 'application/json');
            response.end(JSON.stringify([{ id: 1 }, { id: 2 }, { id: 3 }]));
          },
          beforeKill ? 3000 : 300,
        );
      }),
    );
    target = await listenOn(
      createServer((request, response) => {
        const key = String(request.headers['idempotency-key'] ?? 'none');
        request.resume();
        request.on('end', () => {
          writes.set(key, (writes.get(key) ?? 0) + 1);
          response.statusCode = 204;
          response.end();
        });
      }),
    );
    dir = await mkdtemp(join(tmpdir(), 'weft-failover-'));
    const group = await agents.bindGroup(orgId, environmentId, 'high-availability', actor);
    for (let i = 1; i <= AGENTS; i += 1) {
      const { token } = await agents.createEnrolmentToken(orgId, environmentId, group.id, actor);
      agentProcesses.push(
        await startAgent({
          name: `agent-${i}`,
          gatewayUrl: gateway.url,
          groupId: group.id,
          enrolmentToken: token,
          dir,
          env: { WEFT_AGENT_MAX_CONCURRENT_RUNS: '8', WEFT_AGENT_SHUTDOWN_GRACE_SECONDS: '1' },
        }),
      );
    }
    await eventually(
      async () => {
        const listed = await agents.listAgents(orgId, environmentId, group.id);
        return listed.filter((a) => a.state === 'online').length === AGENTS ? listed : undefined;
      },
      60_000,
      'three agents online',
    );
    groupId = group.id;
  }, 120_000);
  let groupId: string;

  afterAll(async () => {
    for (const agent of agentProcesses) await agent.kill('SIGKILL');
    await gateway?.kill();
    await stopControlPlane?.();
    source?.server.close();
    target?.server.close();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ends every one of 500 runs exactly once, the killed agent’s runs taken over', async () => {
    const operation = {
      version: 1 as const,
      source: { connector: 'http', config: { url: `${source.url}/records` } },
      target: {
        connector: 'http',
        config: { url: `${target.url}/load`, method: 'POST', idempotencyHeader: 'Idempotency-Key' },
      },
    };
    const submitted: string[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const { runId } = await runs.submit(
        orgId,
        { environmentId, groupId, operationId: 'http-to-http', operation },
        actor,
      );
      submitted.push(runId);
    }

    // Kill one agent while it holds runs.
    const agentIds = (await agents.listAgents(orgId, environmentId, groupId)).map((a) => a.id);
    const [victimId, holding] = await eventually(
      async () => {
        const rows = await sqlRows<{ agent_id: string; n: string }>(
          database.url,
          `SELECT agent_id, count(*) AS n FROM runs WHERE status = 'running' GROUP BY agent_id
           ORDER BY n DESC LIMIT 1`,
        );
        const top = rows[0];
        return top && Number(top.n) >= 3 ? ([top.agent_id, Number(top.n)] as const) : undefined;
      },
      60_000,
      'an agent running several runs',
    );
    const victim = agentProcesses[agentIds.indexOf(victimId)] ?? agentProcesses[0]!;
    const caught = await sqlRows<{ id: string }>(
      database.url,
      `SELECT id FROM runs WHERE status = 'running' AND agent_id = $1`,
      [victimId],
    );
    await victim.kill('SIGKILL');
    beforeKill = false;
    expect((await victim.exited).signal).toBe('SIGKILL');
    expect(holding).toBeGreaterThanOrEqual(3);

    await eventually(
      async () => {
        const [open] = await sqlRows<{ n: string }>(
          database.url,
          `SELECT count(*) AS n FROM runs WHERE status IN ('pending', 'running')`,
        );
        return Number(open!.n) === 0 ? true : undefined;
      },
      150_000,
      'every run to end',
    );

    const rows = await sqlRows<{
      id: string;
      status: string;
      agent_id: string;
      error_code: string | null;
      message: string | null;
      records_read: string;
      records_written: string;
    }>(database.url, `SELECT * FROM runs WHERE org_id = $1`, [orgId]);
    expect(rows).toHaveLength(RUNS);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(submitted));
    for (const row of rows) {
      expect(['succeeded', 'failed']).toContain(row.status);
      if (row.status === 'failed') expect(row.error_code).toBeTruthy();
      if (row.status === 'succeeded') {
        expect(Number(row.records_read)).toBe(3);
        expect(Number(row.records_written)).toBe(3);
      }
    }
    const succeeded = rows.filter((r) => r.status === 'succeeded');
    // Each run's outcome was applied once: a second outcome would show as outcome_ignored.
    expect(succeeded.length).toBeGreaterThanOrEqual(RUNS - caught.length);

    // The killed agent's unfinished runs went to another agent, and their history says so.
    // (One it finished between the query above and the kill simply stays its own.)
    const handovers = await sqlRows<{ run_id: string; detail: string }>(
      database.url,
      `SELECT run_id, detail FROM run_events WHERE kind = 'handed_over' AND run_id = ANY($1::uuid[])`,
      [caught.map((c) => c.id)],
    );
    const takenOver = rows.filter(
      (r) => caught.some((c) => c.id === r.id) && r.agent_id !== victimId,
    );
    expect(takenOver.length).toBeGreaterThanOrEqual(1);
    for (const run of rows.filter((r) => caught.some((c) => c.id === r.id))) {
      expect(run.status).toBe('succeeded');
      const handover = handovers.find((h) => h.run_id === run.id);
      if (run.agent_id === victimId) expect(handover).toBeUndefined();
      else expect(handover?.detail).toContain(`from agent ${victimId}`);
    }

    // Every succeeded run reached the target under its own idempotency key.
    const keys = [...writes.keys()];
    for (const run of succeeded) expect(keys.some((key) => key.includes(run.id))).toBe(true);
  }, 240_000);

  it('carries on through a gateway crash: a new gateway with the same key takes the agents back', async () => {
    const port = new URL(gateway.url).port;
    await gateway.kill('SIGKILL');
    gateway = await startGateway({
      NATS_URL: testNatsUrl(),
      GATEWAY_TOKEN_KEY: tokenKey,
      GATEWAY_PORT: port,
    });
    const operation = { version: 1 as const };
    const submitted: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const { runId } = await runs.submit(
        orgId,
        { environmentId, groupId, operationId: 'after-restart', operation },
        actor,
      );
      submitted.push(runId);
    }
    const ended = await eventually(
      async () => {
        const rows = await sqlRows<{ status: string }>(
          database.url,
          `SELECT status FROM runs WHERE id = ANY($1::uuid[]) AND status IN ('succeeded', 'failed', 'cancelled')`,
          [submitted],
        );
        return rows.length === submitted.length ? rows : undefined;
      },
      90_000,
      'the runs submitted after the restart to end',
    );
    expect(ended.every((row) => row.status === 'succeeded')).toBe(true);
  }, 120_000);
});
