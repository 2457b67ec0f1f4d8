import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  createTestDatabase,
  testNatsUrl,
  type TestDatabase,
} from '@weft/testing';
import type { AuditActor } from '../src/audit/audit-trail.js';
import { asOrgId, type OrgId } from '../src/database/tenant.js';
import type { OperationDocument } from '../src/runs/operation.js';
import {
  eventually,
  gatewayTokenKey,
  startAgent,
  startGateway,
  type TestGateway,
  type TestProcess,
} from './agent-harness.js';
import { bootstrapOrganizations, organization, sqlRows, startControlPlane } from './support.js';

/** The gateway's name as agents know it: only the proxy can resolve it. */
const GATEWAY_HOST = 'gateway.weft.test';

/**
 * A CONNECT proxy on loopback: the one place GATEWAY_HOST resolves (to 127.0.0.1), so an agent
 * whose gateway URL names it has no route to the gateway but through the proxy.
 */
function connectProxy(): { server: Server; tunnels: string[]; sockets: Set<Socket> } {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_request, response) => response.writeHead(405).end());
  server.on('connect', (request, client: Socket) => {
    const target = request.url ?? '';
    tunnels.push(target);
    const at = target.lastIndexOf(':');
    const host = target.slice(0, at);
    if (host !== GATEWAY_HOST && host !== '127.0.0.1') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(Number(target.slice(at + 1)), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  return { server, tunnels, sockets };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

describe('agents reaching out: through a CONNECT proxy, and refused internal addresses on a cloud agent', () => {
  let database: TestDatabase;
  let stopControlPlane: () => Promise<void>;
  let controlPlane: Awaited<ReturnType<typeof startControlPlane>>['controlPlane'];
  let gateway: TestGateway;
  let dir: string;
  let orgId: OrgId;
  let environmentId: string;
  let actor: AuditActor;
  let proxy: ReturnType<typeof connectProxy>;
  let proxyPort: number;
  let source: Server;
  let sourcePort: number;
  let caFile: string;
  const agents: TestProcess[] = [];
  const groups = { private: '', cloud: '' };

  beforeAll(async () => {
    database = await createTestDatabase();
    const [org] = await bootstrapOrganizations(database.url, [organization('egress')]);
    orgId = asOrgId(org!.organization.id);
    environmentId = org!.environments[0]!.id;
    actor = { type: 'user', id: org!.admin.id };
    const started = await startControlPlane(database.url);
    stopControlPlane = started.stop;
    controlPlane = started.controlPlane;

    dir = await mkdtemp(join(tmpdir(), 'weft-egress-'));
    const ca = await createCertificateAuthority();
    const leaf = await ca.issue({ hosts: [GATEWAY_HOST, '127.0.0.1'] });
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, ca.cert);
    await writeFile(join(dir, 'gateway.pem'), leaf.cert);
    await writeFile(join(dir, 'gateway.key'), leaf.key, { mode: 0o600 });
    gateway = await startGateway(
      { NATS_URL: testNatsUrl(), GATEWAY_TOKEN_KEY: gatewayTokenKey() },
      { certFile: join(dir, 'gateway.pem'), keyFile: join(dir, 'gateway.key'), ca: ca.cert },
    );
    proxy = connectProxy();
    proxyPort = await listen(proxy.server);
    source = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify([{ id: 1 }, { id: 2 }]));
    });
    sourcePort = await listen(source);

    const registry = controlPlane.dependencies.agents;
    const gatewayPort = new URL(gateway.url).port;
    for (const kind of ['private', 'cloud'] as const) {
      const group = await registry.bindGroup(orgId, environmentId, `${kind}-agents`, actor);
      groups[kind] = group.id;
      const { token } = await registry.createEnrolmentToken(orgId, environmentId, group.id, actor);
      agents.push(
        await startAgent({
          name: `${kind}-agent`,
          gatewayUrl: kind === 'private' ? `https://${GATEWAY_HOST}:${gatewayPort}` : gateway.url,
          groupId: group.id,
          enrolmentToken: token,
          dir,
          env: {
            WEFT_AGENT_CA_FILE: caFile,
            WEFT_AGENT_AGENT_KIND: kind,
            ...(kind === 'private'
              ? { WEFT_AGENT_PROXY_URL: `http://127.0.0.1:${proxyPort}` }
              : {}),
          },
        }),
      );
      await eventually(
        async () =>
          (await registry.listAgents(orgId, environmentId, group.id)).some(
            (agent) => agent.state === 'online',
          ) || undefined,
        60_000,
        `the ${kind} agent online`,
      );
    }
  }, 120_000);

  afterAll(async () => {
    for (const agent of agents) await agent.kill();
    await gateway?.kill();
    await stopControlPlane?.();
    for (const socket of proxy?.sockets ?? []) socket.destroy();
    proxy?.server.close();
    source?.close();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function outcome(group: 'private' | 'cloud', operation: OperationDocument) {
    const { runId } = await controlPlane.dependencies.runs.submit(
      orgId,
      { environmentId, groupId: groups[group], operationId: 'egress', operation },
      actor,
    );
    const run = await eventually(
      async () => {
        const [row] = await sqlRows<{
          status: string;
          error_code: string | null;
          records_read: string;
        }>(database.url, `SELECT status, error_code, records_read FROM runs WHERE id = $1`, [
          runId,
        ]);
        return row && ['succeeded', 'failed', 'cancelled'].includes(row.status) ? row : undefined;
      },
      30_000,
      'the run to end',
    );
    // The message is kept encrypted in the activity log; the run view decrypts it.
    const { message } = await controlPlane.dependencies.runs.get(orgId, environmentId, runId);
    return { ...run, message };
  }

  const readFrom = (url: string, allow?: string[]): OperationDocument => ({
    version: 1,
    source: { connector: 'http', config: { url } },
    ...(allow ? { egress: { allow } } : {}),
  });

  it('runs an operation on an agent whose only way to the gateway is a CONNECT proxy', async () => {
    const run = await outcome('private', readFrom(`http://127.0.0.1:${sourcePort}/rows`));
    expect(run).toMatchObject({ status: 'succeeded', records_read: '2' });
    expect(proxy.tunnels.some((target) => target.startsWith(`${GATEWAY_HOST}:`))).toBe(true);
  }, 60_000);

  it.each([
    ['loopback', 'http://127.0.0.1:PORT/rows'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['a private range', 'http://10.20.30.40/rows'],
  ])(
    'fails a cloud-agent run aimed at %s with a clear error',
    async (_what, url) => {
      const run = await outcome('cloud', readFrom(url.replace('PORT', String(sourcePort))));
      expect(run.status).toBe('failed');
      expect(run.error_code).toBe('egress_denied');
      expect(run.message).toMatch(/egress|not allowed|refus/i);
    },
    60_000,
  );

  it('lets a cloud agent reach an internal address the organization allow-listed', async () => {
    const run = await outcome(
      'cloud',
      readFrom(`http://127.0.0.1:${sourcePort}/rows`, ['127.0.0.1']),
    );
    expect(run).toMatchObject({ status: 'succeeded', records_read: '2' });
  }, 60_000);
});
