// Chained operations: when a run of a deployed project ends, the operations its step names
// start in the transaction that records the outcome — and what cannot start is said on the
// finished run instead of holding its outcome back.
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { asOrgId, inTenant, type OrgId } from '../src/database/tenant.js';
import { ProjectRuns } from '../src/projects/project-runs.js';
import {
  apiClient,
  bootstrapOrganizations,
  organization,
  sqlRows,
  startControlPlane,
  type Credentials,
} from './support.js';

const http = (name: string, extra: object = {}) => ({
  source: { connection: 'api', config: { url: `https://api.example.com/${name}` } },
  ...extra,
});

describe('chained operations of a project', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let api: ReturnType<typeof apiClient>;
  let acme: FirstAdminResult;
  let admin: Credentials;
  let orgId: OrgId;
  let environmentId: string;
  let projectId: string;
  const password = `pw-${randomBytes(16).toString('base64url')}`;
  const at = (path: string) => `/api/v1/environments/${environmentId}${path}`;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    sqlRows<T>(database.url, text, params);

  const document = {
    version: 1,
    name: 'chains',
    variables: { HOOK_TOKEN: { kind: 'credential' } },
    connections: { api: { connector: 'http', config: {} } },
    operations: {
      first: http('first', { onSuccess: ['then-a', 'then-b'], onFailure: ['alert'] }),
      'then-a': http('a'),
      'then-b': http('b'),
      alert: http('alert', {
        target: {
          connection: 'api',
          config: { url: 'https://hooks.example.com/', auth: { bearer: { secret: 'HOOK_TOKEN' } } },
        },
      }),
      fan: http('fan', { onSuccess: ['then-a', 'then-b', 'first'] }),
    },
  };

  /** Submits an operation through the API and marks it finished, as an agent's report would. */
  async function finished(operation: string, status: 'succeeded' | 'failed', runs: ProjectRuns) {
    const submitted = await api.http(
      'POST',
      at(`/projects/${projectId}/operations/${operation}/runs`),
      admin,
      {},
    );
    expect(submitted.status).toBe(202);
    const { runId } = submitted.body as { runId: string };
    const started = await inTenant(
      server.controlPlane.dependencies.dataSource,
      orgId,
      async (tx) => {
        await tx.query(`UPDATE runs SET status = $2, completed_at = now() WHERE id = $1`, [
          runId,
          status,
        ]);
        return runs.startChained(tx, { runId, status });
      },
    );
    return { runId, started };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    [acme] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
    ])) as [FirstAdminResult];
    orgId = asOrgId(acme.organization.id);
    environmentId = acme.environments.find((e) => e.name === 'development')!.id;
    server = await startControlPlane(database.url);
    api = apiClient(server.url);
    admin = await api.signIn('admin@acme.example', password);
    expect(
      (await api.http('PUT', at('/secrets/HOOK_TOKEN'), admin, { value: 'token' })).status,
    ).toBe(200);
    expect((await api.http('POST', at('/agent-groups'), admin, { name: 'workers' })).status).toBe(
      201,
    );
    const pushed = await api.http('POST', at('/projects'), admin, { document });
    expect(pushed.status).toBe(201);
    projectId = (pushed.body as { project: { id: string } }).project.id;
    expect(
      (await api.http('POST', at(`/projects/${projectId}/deployments`), admin, {})).status,
    ).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  const projectRuns = (maxChainRuns = 100) => {
    const deps = server.controlPlane.dependencies;
    return new ProjectRuns(deps.dataSource, deps.runs, deps.files, deps.activity.log, {
      maxChainRuns,
    });
  };

  it('starts the on-success operations after a success and the on-failure ones after a failure', async () => {
    const runs = projectRuns();
    const success = await finished('first', 'succeeded', runs);
    expect(success.started).toHaveLength(2);
    const chained = await sql<{
      operation_id: string;
      parent_run_id: string;
      revision: number;
      submitted_by_kind: string;
    }>(
      `SELECT operation_id, parent_run_id, revision, submitted_by_kind FROM runs WHERE parent_run_id = $1 ORDER BY operation_id`,
      [success.runId],
    );
    expect(chained).toEqual([
      {
        operation_id: 'then-a',
        parent_run_id: success.runId,
        revision: 1,
        submitted_by_kind: 'chain',
      },
      {
        operation_id: 'then-b',
        parent_run_id: success.runId,
        revision: 1,
        submitted_by_kind: 'chain',
      },
    ]);
    // Each chained run is queued through the outbox like any other.
    expect(
      await sql(`SELECT count(*)::int AS n FROM run_outbox WHERE run_id = ANY($1)`, [
        success.started,
      ]),
    ).toEqual([{ n: 2 }]);
    const failure = await finished('first', 'failed', runs);
    expect(failure.started).toHaveLength(1);
    expect(await sql(`SELECT operation_id FROM runs WHERE id = $1`, [failure.started[0]])).toEqual([
      { operation_id: 'alert' },
    ]);
  });

  it('says on the finished run what could not start, and still lets its outcome be recorded', async () => {
    const runs = projectRuns();
    await api.http('DELETE', at('/secrets/HOOK_TOKEN'), admin);
    const failure = await finished('first', 'failed', runs);
    expect(failure.started).toEqual([]);
    const details = await api.http('GET', at(`/runs/${failure.runId}/details`), admin);
    const lines = (details.body as { items: Array<{ level: string; text: string }> }).items;
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        text: expect.stringMatching(/^chained operation alert was not started: .*HOOK_TOKEN/),
      }),
    ]);
    await api.http('PUT', at('/secrets/HOOK_TOKEN'), admin, { value: 'token' });
  });

  it('stops a chain at its run limit, however wide its steps fan out', async () => {
    const runs = projectRuns(3);
    // fan → then-a, then-b, first; first → then-a, then-b: 5 wanted, 3 allowed.
    const fan = await finished('fan', 'succeeded', runs);
    expect(fan.started).toHaveLength(3);
    const first = await sql<{ id: string }>(
      `SELECT id FROM runs WHERE parent_run_id = $1 AND operation_id = 'first'`,
      [fan.runId],
    );
    await inTenant(server.controlPlane.dependencies.dataSource, orgId, async (tx) => {
      await tx.query(`UPDATE runs SET status = 'succeeded' WHERE id = $1`, [first[0]!.id]);
      expect(await runs.startChained(tx, { runId: first[0]!.id, status: 'succeeded' })).toEqual([]);
    });
    const details = await api.http('GET', at(`/runs/${first[0]!.id}/details`), admin);
    expect(JSON.stringify(details.body)).toContain('this chain has started 3 runs, its limit');
  });

  it('starts nothing once another revision is deployed, or after a cancel', async () => {
    const runs = projectRuns();
    const submitted = await api.http(
      'POST',
      at(`/projects/${projectId}/operations/first/runs`),
      admin,
      {},
    );
    const { runId } = submitted.body as { runId: string };
    await api.http('POST', at('/projects'), admin, {
      document: { ...document, description: 'v2' },
    });
    await api.http('POST', at(`/projects/${projectId}/deployments`), admin, {});
    await inTenant(server.controlPlane.dependencies.dataSource, orgId, async (tx) => {
      expect(await runs.startChained(tx, { runId, status: 'succeeded' })).toEqual([]);
      expect(await runs.startChained(tx, { runId, status: 'cancelled' })).toEqual([]);
    });
  });
});
