import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from 'nats';
import { createTestDatabase, startNats, type RunningNats, type TestDatabase } from '@weft/testing';
import type { AuditActor } from '../src/audit/audit-trail.js';
import { asOrgId, type OrgId } from '../src/database/tenant.js';
import { gatewayTokenKey, startGateway, type TestGateway } from './agent-harness.js';
import { ScriptedAgent } from './scripted-agent.js';
import { bootstrapOrganizations, organization, sqlRows, startControlPlane } from './support.js';

const infraNats = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../infra/nats/nats-server.conf',
);
const password = () => `w${randomBytes(16).toString('hex')}`;

interface Tenant {
  orgId: OrgId;
  environments: string[];
  actor: AuditActor;
}

/**
 * The gateway and control plane run as the least-privileged NATS users of
 * infra/nats/nats-server.conf, on a real nats-server; agents of different groups, environments
 * and organizations share the one gateway.
 */
describe('agent isolation through the gateway, on the production NATS permissions', () => {
  const passwords = { controlPlane: password(), gateway: password() };
  let nats: RunningNats;
  let dir: string;
  let database: TestDatabase;
  let stopControlPlane: () => Promise<void>;
  let controlPlane: Awaited<ReturnType<typeof startControlPlane>>['controlPlane'];
  let gateway: TestGateway;
  let acme: Tenant;
  let globex: Tenant;
  const groups: Record<'acmeX' | 'acmeY' | 'globex', string> = { acmeX: '', acmeY: '', globex: '' };
  const agents: Partial<Record<'a1' | 'a2' | 'b1', ScriptedAgent>> = {};

  beforeAll(async () => {
    // The production policy as it is, with the passwords the server would take from its
    // environment written in (a child of a jest worker does not see the test's process.env).
    dir = await mkdtemp(join(tmpdir(), 'weft-nats-policy-'));
    const policy = (await readFile(infraNats, 'utf8'))
      .replace('$CONTROL_PLANE_NATS_PASSWORD', `"${passwords.controlPlane}"`)
      .replace('$GATEWAY_NATS_PASSWORD', `"${passwords.gateway}"`);
    await writeFile(join(dir, 'test.conf'), policy, { mode: 0o600 });
    nats = await startNats({ configFile: join(dir, 'test.conf') });
    database = await createTestDatabase();
    const results = await bootstrapOrganizations(database.url, [
      organization('acme'),
      organization('globex'),
    ]);
    [acme, globex] = results.map((r) => ({
      orgId: asOrgId(r.organization.id),
      environments: r.environments.map((e) => e.id),
      actor: { type: 'user', id: r.admin.id },
    })) as [Tenant, Tenant];
    const started = await startControlPlane(database.url, {
      NATS_URL: nats.url,
      NATS_USER: 'control-plane',
      NATS_PASSWORD: passwords.controlPlane,
    });
    stopControlPlane = started.stop;
    controlPlane = started.controlPlane;
    gateway = await startGateway({
      NATS_URL: nats.url,
      NATS_USER: 'gateway',
      NATS_PASSWORD: passwords.gateway,
      GATEWAY_TOKEN_KEY: gatewayTokenKey(),
    });
    const registry = controlPlane.dependencies.agents;
    const enrol = async (tenant: Tenant, environmentId: string, name: string) => {
      const group = await registry.bindGroup(tenant.orgId, environmentId, name, tenant.actor);
      const { token } = await registry.createEnrolmentToken(
        tenant.orgId,
        environmentId,
        group.id,
        tenant.actor,
      );
      return { groupId: group.id, agent: await ScriptedAgent.enrol(gateway.url, token, name) };
    };
    ({ groupId: groups.acmeX, agent: agents.a1 } = await enrol(
      acme,
      acme.environments[0]!,
      'acme-x',
    ));
    ({ groupId: groups.acmeY, agent: agents.a2 } = await enrol(
      acme,
      acme.environments[1]!,
      'acme-y',
    ));
    ({ groupId: groups.globex, agent: agents.b1 } = await enrol(
      globex,
      globex.environments[0]!,
      'globex',
    ));
  }, 120_000);

  afterAll(async () => {
    await gateway?.kill();
    await stopControlPlane?.();
    await database?.drop();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const submit = (tenant: Tenant, environmentId: string, groupId: string) =>
    controlPlane.dependencies.runs.submit(
      tenant.orgId,
      { environmentId, groupId, operationId: 'noop', operation: { version: 1 } },
      tenant.actor,
    );
  const statusOf = async (runId: string) =>
    (
      await sqlRows<{ status: string }>(database.url, `SELECT status FROM runs WHERE id = $1`, [
        runId,
      ])
    )[0]?.status;

  it('gives an agent its own group’s runs only, whatever it puts in its requests', async () => {
    const mine = await submit(acme, acme.environments[0]!, groups.acmeX);
    const otherEnvironment = await submit(acme, acme.environments[1]!, groups.acmeY);
    const otherOrg = await submit(globex, globex.environments[0]!, groups.globex);

    // Ids of another group, environment and organization in the body are refused outright.
    for (const extra of [
      { orgId: globex.orgId },
      { groupId: groups.globex },
      { environmentId: acme.environments[1] },
      { agentGroupId: groups.acmeY },
    ]) {
      const smuggled = await agents.a1!.call('work', { waitSeconds: 1, ...extra });
      expect(smuggled.status).toBe(400);
    }
    const first = await agents.a1!.call('work', { waitSeconds: 5 });
    expect(first.status).toBe(200);
    expect(first.body.runs[0].run.runId).toBe(mine.runId);
    expect(first.body.runs[0].run.environmentId).toBe(acme.environments[0]);
    // Nothing else for it: the other group's and the other organization's runs stay queued.
    expect((await agents.a1!.call('work', { waitSeconds: 2 })).status).toBe(204);

    const theirs = await agents.b1!.call('work', { waitSeconds: 5 });
    expect(theirs.body.runs[0].run.runId).toBe(otherOrg.runId);
    const sibling = await agents.a2!.call('work', { waitSeconds: 5 });
    expect(sibling.body.runs[0].run.runId).toBe(otherEnvironment.runId);

    // Another agent's lease, as is or re-signed by nobody, affects nothing.
    const done = { status: 'succeeded', records: { read: 1, written: 1, failed: 0 } };
    for (const lease of [
      theirs.body.runs[0].lease,
      sibling.body.runs[0].lease,
      tamper(theirs.body.runs[0].lease, agents.a1!.agentId),
    ]) {
      for (const path of ['runs/complete', 'runs/progress', 'runs/started', 'runs/release']) {
        const reply = await agents.a1!.call(path, { lease, ...done });
        expect([400, 403]).toContain(reply.status);
      }
    }
    // The owners' own reports go through; the cross-agent attempts changed nothing.
    expect(
      (await agents.a1!.call('runs/started', { lease: first.body.runs[0].lease })).status,
    ).toBe(200);
    expect(
      (await agents.a1!.call('runs/complete', { lease: first.body.runs[0].lease, ...done })).status,
    ).toBe(204);
    await waitFor(async () => (await statusOf(mine.runId)) === 'succeeded');
    expect(await statusOf(otherOrg.runId)).toBe('pending');
    expect(await statusOf(otherEnvironment.runId)).toBe('pending');
    expect(
      (await agents.b1!.call('runs/complete', { lease: theirs.body.runs[0].lease, ...done }))
        .status,
    ).toBe(204);
    await waitFor(async () => (await statusOf(otherOrg.runId)) === 'succeeded');
  }, 60_000);

  it('refuses a revoked agent on its next call, and any new token', async () => {
    const b1 = agents.b1!;
    expect((await b1.call('heartbeat', { runningRuns: 0, maxConcurrentRuns: 1 })).status).toBe(204);
    const [agent] = await controlPlane.dependencies.agents.listAgents(
      globex.orgId,
      globex.environments[0]!,
      groups.globex,
    );
    await controlPlane.dependencies.agents.setState(
      globex.orgId,
      globex.environments[0]!,
      groups.globex,
      agent!.id,
      'revoke',
      globex.actor,
    );
    await waitFor(
      async () =>
        (await b1.call('heartbeat', { runningRuns: 0, maxConcurrentRuns: 1 })).status === 401,
      2000,
    );
    const refused = await b1.call('work', { waitSeconds: 1 });
    expect(refused).toMatchObject({ status: 401, body: { error: { code: 'AGENT_REVOKED' } } });
    expect((await b1.authenticate()).status).toBe(401);
  });

  it('lets each service user do only its part on the real nats-server', async () => {
    const as = (user: string, pass: string) =>
      connect({ servers: nats.url, user, pass, inboxPrefix: `_INBOX.${user}`, reconnect: false });
    const gatewayUser = await as('gateway', passwords.gateway);
    const controlPlaneUser = await as('control-plane', passwords.controlPlane);
    try {
      const subject = `weft.${acme.orgId}.${acme.environments[0]}.${groups.acmeX}`;
      await expectRefused(gatewayUser, 'publish', `${subject}.run`, () =>
        gatewayUser.publish(`${subject}.run`),
      );
      await expectRefused(gatewayUser, 'publish', 'weft-sys.agents.changed', () =>
        gatewayUser.publish('weft-sys.agents.changed'),
      );
      await expectRefused(gatewayUser, 'subscription', 'weft.>', () =>
        gatewayUser.subscribe('weft.>'),
      );
      await expectRefused(gatewayUser, 'subscription', '_INBOX.control-plane.>', () =>
        gatewayUser.subscribe('_INBOX.control-plane.>'),
      );
      await expectRefused(controlPlaneUser, 'publish', `${subject}.events`, () =>
        controlPlaneUser.publish(`${subject}.events`),
      );
      await expectRefused(
        controlPlaneUser,
        'publish',
        '$JS.API.CONSUMER.MSG.NEXT.WEFT_RUNS.x',
        () => controlPlaneUser.publish('$JS.API.CONSUMER.MSG.NEXT.WEFT_RUNS.x'),
      );
      await expectRefused(controlPlaneUser, 'subscription', '_INBOX.gateway.>', () =>
        controlPlaneUser.subscribe('_INBOX.gateway.>'),
      );
      await expectRefused(controlPlaneUser, 'publish', 'weft-sys.agents.identity', () =>
        controlPlaneUser.publish('weft-sys.agents.identity'),
      );
    } finally {
      await gatewayUser.close();
      await controlPlaneUser.close();
    }
  });
});

/** The lease with its claims rewritten (the signature no longer matches). */
function tamper(lease: string, agentId: string): string {
  const [prefix, body, mac] = lease.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
  return `${prefix}.${Buffer.from(JSON.stringify({ ...claims, a: agentId })).toString('base64url')}.${mac}`;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The server reports a permissions violation for exactly this operation and subject. */
async function expectRefused(
  nc: NatsConnection,
  operation: 'publish' | 'subscription',
  subject: string,
  action: () => void,
): Promise<void> {
  const seen = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${operation} violation for ${subject}`)),
      3000,
    );
    void (async () => {
      for await (const status of nc.status()) {
        const context = status.permissionContext;
        if (
          status.type === 'error' &&
          context?.operation === operation &&
          context.subject === subject
        ) {
          clearTimeout(timer);
          resolve();
          return;
        }
      }
    })();
  });
  action();
  await nc.flush();
  await seen;
  expect(nc.isClosed()).toBe(false);
}
