import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, runService, testNatsUrl, type TestDatabase } from '@weft/testing';
import type { AuditActor } from '../src/audit/audit-trail.js';
import { asOrgId, type OrgId } from '../src/database/tenant.js';
import { gatewayTokenKey, startGateway, type TestGateway } from './agent-harness.js';
import { ScriptedAgent } from './scripted-agent.js';
import { bootstrapOrganizations, organization, sqlRows, startControlPlane } from './support.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Tenant {
  orgId: OrgId;
  environmentId: string;
  actor: AuditActor;
}

/**
 * A cloud agent group, created by the installation's operator with the `cloud-agents` command,
 * runs every organization's runs that name it; each run's events land in its own organization.
 */
describe('the cloud agent group serving every organization', () => {
  let database: TestDatabase;
  let stopControlPlane: () => Promise<void>;
  let controlPlane: Awaited<ReturnType<typeof startControlPlane>>['controlPlane'];
  let gateway: TestGateway;
  let acme: Tenant;
  let globex: Tenant;
  let cloudGroupId: string;
  let cloud: ScriptedAgent;

  const command = async (args: string[]) => {
    const exit = await runService({
      cwd: appDir,
      entry: 'src/main.ts',
      args: ['cloud-agents', ...args],
      env: { DATABASE_URL: database.url },
    });
    if (exit.code !== 0) throw new Error(`cloud-agents ${args[0]} failed: ${exit.stderr}`);
    return exit.stdout.trim().split('\n')[0]!;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const orgs = await bootstrapOrganizations(database.url, [
      organization('operator'),
      organization('acme'),
      organization('globex'),
    ]);
    [acme, globex] = orgs.slice(1).map((r) => ({
      orgId: asOrgId(r.organization.id),
      environmentId: r.environments[0]!.id,
      actor: { type: 'user', id: r.admin.id },
    })) as [Tenant, Tenant];
    const started = await startControlPlane(database.url);
    stopControlPlane = started.stop;
    controlPlane = started.controlPlane;
    gateway = await startGateway({ NATS_URL: testNatsUrl(), GATEWAY_TOKEN_KEY: gatewayTokenKey() });
    cloudGroupId = await command(['create-group', '--org', 'operator', '--name', 'cloud']);
    const token = await command(['enrolment-token', '--org', 'operator', '--group', cloudGroupId]);
    cloud = await ScriptedAgent.enrol(gateway.url, token, 'cloud-1');
  }, 120_000);

  afterAll(async () => {
    await gateway?.kill();
    await stopControlPlane?.();
    await database?.drop();
  });

  const submit = (tenant: Tenant, groupId: string) =>
    controlPlane.dependencies.runs.submit(
      tenant.orgId,
      {
        environmentId: tenant.environmentId,
        groupId,
        operationId: 'noop',
        operation: { version: 1 },
      },
      tenant.actor,
    );

  it('takes runs of every organization, and each outcome lands in its own organization', async () => {
    expect(cloudGroupId).toMatch(/^[0-9a-f-]{36}$/);
    const fromAcme = await submit(acme, cloudGroupId);
    const fromGlobex = await submit(globex, cloudGroupId);
    const taken = new Map<string, { lease: string; environmentId: string }>();
    for (let i = 0; i < 10 && taken.size < 2; i += 1) {
      const reply = await cloud.call('work', { waitSeconds: 3, max: 2 });
      for (const assignment of reply.body?.runs ?? []) {
        // Executed as a cloud run whatever the agent's own setting says.
        expect(assignment.run.cloud).toBe(true);
        taken.set(assignment.run.runId, {
          lease: assignment.lease,
          environmentId: assignment.run.environmentId,
        });
      }
    }
    expect([...taken.keys()].sort()).toEqual([fromAcme.runId, fromGlobex.runId].sort());
    expect(taken.get(fromAcme.runId)?.environmentId).toBe(acme.environmentId);
    expect(taken.get(fromGlobex.runId)?.environmentId).toBe(globex.environmentId);
    for (const { lease } of taken.values()) {
      expect((await cloud.call('runs/started', { lease })).status).toBe(200);
      const done = { lease, status: 'succeeded', records: { read: 1, written: 1, failed: 0 } };
      expect((await cloud.call('runs/complete', done)).status).toBe(204);
    }
    const finished = async () =>
      sqlRows<{ id: string; org_id: string; status: string; agent_id: string }>(
        database.url,
        `SELECT id, org_id, status, agent_id FROM runs WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`,
        [[fromAcme.runId, fromGlobex.runId]],
      );
    const deadline = Date.now() + 10_000;
    while ((await finished()).length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rows = await finished();
    expect(rows.find((r) => r.id === fromAcme.runId)?.org_id).toBe(acme.orgId);
    expect(rows.find((r) => r.id === fromGlobex.runId)?.org_id).toBe(globex.orgId);
    expect(new Set(rows.map((r) => r.agent_id))).toEqual(new Set([cloud.agentId]));
    // Each organization sees its own run and not the other's.
    await expect(
      controlPlane.dependencies.runs.get(acme.orgId, acme.environmentId, fromGlobex.runId),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(
      (await controlPlane.dependencies.runs.get(acme.orgId, acme.environmentId, fromAcme.runId))
        .status,
    ).toBe('succeeded');
  }, 60_000);

  it('keeps private groups private: their runs never reach the cloud group, nor another org’s', async () => {
    const registry = controlPlane.dependencies.agents;
    const group = await registry.bindGroup(acme.orgId, acme.environmentId, 'on-prem', acme.actor);
    const privateRun = await submit(acme, group.id);
    expect((await cloud.call('work', { waitSeconds: 2, max: 4 })).status).toBe(204);
    // Another organization cannot name acme's private group for its run.
    await expect(submit(globex, group.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(
      (
        await sqlRows<{ status: string }>(database.url, `SELECT status FROM runs WHERE id = $1`, [
          privateRun.runId,
        ])
      )[0]?.status,
    ).toBe('pending');
  }, 30_000);

  it('refuses the command without its options, naming what is missing', async () => {
    const exit = await runService({
      cwd: appDir,
      entry: 'src/main.ts',
      args: ['cloud-agents', 'create-group', '--org', 'operator'],
      env: { DATABASE_URL: database.url },
    });
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('--name is required');
  }, 30_000);
});
