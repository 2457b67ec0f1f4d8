// The design repository through the public API: revisions, validation, deployment with the
// environment's variables, runs of deployed operations, promotion (diff first, Write on the
// target), signed archives and the test-transformation service.
import { randomBytes, randomUUID } from 'node:crypto';
import { generateSealingKeyPair, openSealed, type SealedValue } from '@weft/crypto';
import { AGENT_SERVICE_SUBJECTS } from '@weft/messaging';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProjectFolder, type ProjectDocument } from '@weft/project';
import { createTestDatabase, type TestDatabase } from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import {
  apiClient,
  bootstrapOrganizations,
  organization,
  sqlRows,
  startControlPlane,
  type Credentials,
} from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const exampleProject = join(root, 'examples', 'orders-sync', 'project');

async function readFolder(folder: string): Promise<Array<{ path: string; content: string }>> {
  const files: Array<{ path: string; content: string }> = [];
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files.push({ path: relative(folder, full), content: await readFile(full, 'utf8') });
  }
  return files;
}

describe('projects: revisions, deployment, runs, promotion, archives, test transformations', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let api: ReturnType<typeof apiClient>;
  let acme: FirstAdminResult;
  let globex: FirstAdminResult;
  let admin: Credentials;
  let globexAdmin: Credentials;
  let executor: Credentials;
  let document: ProjectDocument;
  const password = `pw-${randomBytes(16).toString('base64url')}`;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    sqlRows<T>(database.url, text, params);
  const environment = (name: string, org: FirstAdminResult = acme) =>
    org.environments.find((e) => e.name === name)!.id;
  const at = (environmentName: string, path: string, org: FirstAdminResult = acme) =>
    `/api/v1/environments/${environment(environmentName, org)}${path}`;

  async function setVariables(environmentName: string, values: Record<string, object>) {
    for (const [name, body] of Object.entries(values)) {
      const put = await api.http('PUT', at(environmentName, `/secrets/${name}`), admin, body);
      expect(put.status).toBe(200);
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    [acme, globex] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
      organization('globex', { adminPassword: password }),
    ])) as [FirstAdminResult, FirstAdminResult];
    server = await startControlPlane(database.url);
    api = apiClient(server.url);
    admin = await api.signIn('admin@acme.example', password);
    globexAdmin = await api.signIn('admin@globex.example', password);
    // Write on development, only Execute on production.
    const [role] = await sql<{ id: string }>(
      `INSERT INTO roles (org_id, name, environment_levels) VALUES ($1, 'operator', $2::jsonb) RETURNING id`,
      [
        acme.organization.id,
        JSON.stringify({
          [environment('development')]: ['write'],
          [environment('production')]: ['execute'],
        }),
      ],
    );
    const [user] = await sql<{ id: string }>(
      `INSERT INTO users (email, first_name, last_name) VALUES ('operator@acme.example', 'O', 'P') RETURNING id`,
    );
    await sql(
      `INSERT INTO memberships (org_id, user_id, role_ids) VALUES ($1, $2, ARRAY[$3::uuid])`,
      [acme.organization.id, user!.id, role!.id],
    );
    const session = await server.controlPlane.dependencies.sessions.create(
      user!.id,
      acme.organization.id,
      {},
    );
    executor = { cookie: `weft_session=${session.token}`, csrf: session.csrfToken };
    document = parseProjectFolder(await readFolder(exampleProject));
  }, 60_000);
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  let projectId: string;

  it('stores a valid project as revision 1, the same document again as nothing new', async () => {
    const pushed = await api.http('POST', at('development', '/projects'), admin, { document });
    expect(pushed.status).toBe(201);
    const body = pushed.body as {
      project: { id: string; latestRevision: number };
      created: boolean;
    };
    expect(body).toMatchObject({
      created: true,
      project: { latestRevision: 1, deployedRevision: null },
    });
    projectId = body.project.id;
    const again = await api.http('POST', at('development', '/projects'), admin, { document });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, revision: { revision: 1 } });
    const changed = await api.http('POST', at('development', '/projects'), admin, {
      document: { ...document, description: 'second' },
    });
    expect(changed.status).toBe(201);
    expect(changed.body).toMatchObject({ revision: { revision: 2, source: 'push' } });
    const revisions = await api.http(
      'GET',
      at('development', `/projects/${projectId}/revisions`),
      admin,
    );
    expect((revisions.body as { items: unknown[] }).items).toHaveLength(2);
    const first = await api.http(
      'GET',
      at('development', `/projects/${projectId}/revisions/1`),
      admin,
    );
    expect((first.body as { document: ProjectDocument }).document).toEqual(document);
    // Revisions are immutable, even for the schema owner.
    await expect(
      sql(`UPDATE project_revisions SET source = 'import' WHERE project_id = $1`, [projectId]),
    ).rejects.toThrow(/immutable/);
  });

  it('refuses an invalid project with every problem at its path, and stores nothing', async () => {
    const before = await sql(`SELECT count(*)::int AS n FROM project_revisions`);
    const broken = {
      ...document,
      connections: {
        ...document.connections,
        warehouse: {
          connector: 'postgres',
          config: { connection: { url: 'postgres://u:hunter2@db/x', password: 'hunter2' } },
        },
      },
      operations: {
        'load-orders': { ...document.operations!['load-orders']!, onSuccess: ['nowhere'] },
      },
    };
    const refused = await api.http('POST', at('development', '/projects'), admin, {
      document: broken,
    });
    expect(refused.status).toBe(400);
    const { code, details } = (
      refused.body as { error: { code: string; details: { problems: Array<{ path: string }> } } }
    ).error;
    expect(code).toBe('PROJECT_INVALID');
    const problems = details.problems;
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'connections.warehouse.config.connection.password',
        'operations.load-orders.onSuccess[0]',
      ]),
    );
    expect(JSON.stringify(refused.body)).not.toContain('hunter2');
    expect(await sql(`SELECT count(*)::int AS n FROM project_revisions`)).toEqual(before);
  });

  it('deploys only with a value for every variable; runs go to the environment’s group with references, never values', async () => {
    const deploy = (body: object = {}) =>
      api.http('POST', at('development', `/projects/${projectId}/deployments`), admin, body);
    const missing = await deploy();
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { code: 'VARIABLES_MISSING' } });
    expect((missing.body as { error: { message: string } }).error.message).toContain(
      'WAREHOUSE_URL',
    );
    const planted = `s3cr3t-${randomBytes(8).toString('hex')}`;
    await setVariables('development', {
      ORDERS_BUCKET: { kind: 'variable', value: 'dev-orders' },
      S3_ENDPOINT: { kind: 'variable', value: 'http://127.0.0.1:9' },
      S3_ACCESS_KEY_ID: { kind: 'credential', value: 'dev-key' },
      S3_SECRET_ACCESS_KEY: { kind: 'credential', value: planted },
      WAREHOUSE_URL: { kind: 'credential', reference: 'env:DEV_WAREHOUSE_URL' },
    });
    // The vault decides what a value is: a credential cannot be declared a variable (which may be
    // pasted into strings) by the project.
    await setVariables('development', {
      ORDERS_BUCKET: { kind: 'credential', value: 'dev-orders' },
    });
    const mismatch = await deploy({ revision: 1 });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({ error: { code: 'VARIABLE_KIND_MISMATCH' } });
    await setVariables('development', { ORDERS_BUCKET: { kind: 'variable', value: 'dev-orders' } });
    const deployed = await deploy({ revision: 1 });
    expect(deployed.status).toBe(201);
    expect(deployed.body).toMatchObject({ deployment: { revision: 1 } });

    const run = (path = `/projects/${projectId}/operations/load-orders/runs`) =>
      api.http('POST', at('development', path), admin, {});
    const noGroup = await run();
    expect(noGroup.status).toBe(409);
    expect(noGroup.body).toMatchObject({ error: { code: 'NO_AGENT_GROUP' } });
    const group = await api.http('POST', at('development', '/agent-groups'), admin, {
      name: 'dev-agents',
    });
    expect(group.status).toBe(201);
    expect((await run(`/projects/${projectId}/operations/nope/runs`)).status).toBe(404);
    const started = await run();
    expect(started.status).toBe(202);
    const { runId } = started.body as { runId: string };
    const [stored] = await sql<{
      operation: {
        secrets: Array<{ name: string; reference: string }>;
        source: { config: { bucket: string } };
      };
      group_id: string;
    }>(`SELECT operation, group_id FROM runs WHERE id = $1`, [runId]);
    expect(stored!.group_id).toBe((group.body as { id: string }).id);
    expect(stored!.operation.source.config.bucket).toBe('${ORDERS_BUCKET}');
    expect(stored!.operation.secrets).toEqual(
      expect.arrayContaining([
        {
          name: 'S3_SECRET_ACCESS_KEY',
          kind: 'credential',
          reference: 'vault:S3_SECRET_ACCESS_KEY',
        },
        { name: 'WAREHOUSE_URL', kind: 'credential', reference: 'env:DEV_WAREHOUSE_URL' },
      ]),
    );
    // The agent holding the run's lease gets the stored values sealed to its one-time key: only
    // the run's own vault: names, only while the run is unfinished.
    const pair = generateSealingKeyPair();
    const ask = async (attempt: number) => {
      const reply = await server.controlPlane.dependencies.nats.request(
        AGENT_SERVICE_SUBJECTS.runSecrets,
        new TextEncoder().encode(
          JSON.stringify({
            orgId: acme.organization.id,
            environmentId: environment('development'),
            runId,
            agentId: randomUUID(),
            attempt,
            publicKey: pair.publicKey,
          }),
        ),
        { timeout: 5000 },
      );
      return JSON.parse(new TextDecoder().decode(reply.data)) as {
        ok: boolean;
        result?: { secrets: Array<SealedValue & { name: string }> };
        error?: { code: string };
      };
    };
    const answer = await ask(1);
    expect(answer.ok).toBe(true);
    expect(answer.result!.secrets.map((secret) => secret.name).sort()).toEqual([
      'ORDERS_BUCKET',
      'S3_ACCESS_KEY_ID',
      'S3_ENDPOINT',
      'S3_SECRET_ACCESS_KEY',
    ]);
    const sealed = answer.result!.secrets.find((secret) => secret.name === 'S3_SECRET_ACCESS_KEY')!;
    expect(JSON.stringify(answer)).not.toContain(planted);
    expect(openSealed(sealed, pair.privateKey, `${runId}|S3_SECRET_ACCESS_KEY`)).toBe(planted);
    await sql(`UPDATE runs SET status = 'succeeded' WHERE id = $1`, [runId]);
    expect(await ask(1)).toMatchObject({ ok: false, error: { code: 'RUN_NOT_RUNNING' } });
    const queued = JSON.stringify(
      await sql(`SELECT encode(message, 'escape') AS m FROM run_outbox`),
    );
    expect(queued).not.toContain(planted);
    expect(JSON.stringify(stored)).not.toContain(planted);
  });

  it('promotes with a diff first; production runs with production’s variables; Execute alone cannot promote', async () => {
    const body = { sourceEnvironmentId: environment('development'), projectId, revision: 1 };
    const preview = await api.http('POST', at('production', '/promotions/preview'), admin, body);
    expect(preview.status).toBe(200);
    const { changes, targetRevision } = preview.body as {
      changes: Array<{ path: string; change: string }>;
      targetRevision: number | null;
    };
    expect(targetRevision).toBeNull();
    expect(changes).toEqual(
      expect.arrayContaining([{ path: 'operations.load-orders', change: 'added' }]),
    );
    // Only Execute on production: neither the preview nor the promotion.
    for (const path of ['/promotions/preview', '/promotions']) {
      const denied = await api.http('POST', at('production', path), executor, body);
      expect(denied.status).toBe(403);
    }
    // Deploying at once needs production's own variables: refused whole, nothing written.
    const early = await api.http('POST', at('production', '/promotions'), admin, {
      ...body,
      deploy: true,
    });
    expect(early.status).toBe(400);
    expect(early.body).toMatchObject({ error: { code: 'VARIABLES_MISSING' } });
    expect(
      await sql(`SELECT count(*)::int AS n FROM projects WHERE environment_id = $1`, [
        environment('production'),
      ]),
    ).toEqual([{ n: 0 }]);

    await setVariables('production', {
      ORDERS_BUCKET: { kind: 'variable', value: 'prod-orders' },
      S3_ENDPOINT: { kind: 'variable', value: 'https://s3.example.com' },
      S3_ACCESS_KEY_ID: { kind: 'credential', reference: 'env:PROD_S3_KEY' },
      S3_SECRET_ACCESS_KEY: { kind: 'credential', reference: 'file:/etc/weft/prod-s3-secret' },
      WAREHOUSE_URL: { kind: 'credential', value: 'postgres://prod@warehouse/prod' },
    });
    const promoted = await api.http('POST', at('production', '/promotions'), admin, {
      ...body,
      deploy: true,
    });
    expect(promoted.status).toBe(201);
    const result = promoted.body as {
      project: { id: string; deployedRevision: number };
      revision: { revision: number; source: string; promotedFrom: unknown };
      deployment: { revision: number };
    };
    expect(result.revision).toMatchObject({
      revision: 1,
      source: 'promotion',
      promotedFrom: { environmentId: environment('development'), projectId, revision: 1 },
    });
    expect(result.deployment.revision).toBe(1);
    expect(result.project.deployedRevision).toBe(1);
    await api.http('POST', at('production', '/agent-groups'), admin, { name: 'prod-agents' });
    const run = await api.http(
      'POST',
      at('production', `/projects/${result.project.id}/operations/load-orders/runs`),
      executor,
      {},
    );
    expect(run.status).toBe(202);
    const [stored] = await sql<{
      operation: { secrets: Array<{ name: string; reference: string }> };
    }>(`SELECT operation FROM runs WHERE id = $1`, [(run.body as { runId: string }).runId]);
    const references = Object.fromEntries(
      stored!.operation.secrets.map((s) => [s.name, s.reference]),
    );
    expect(references).toMatchObject({
      S3_ACCESS_KEY_ID: 'env:PROD_S3_KEY',
      S3_SECRET_ACCESS_KEY: 'file:/etc/weft/prod-s3-secret',
      WAREHOUSE_URL: 'vault:WAREHOUSE_URL',
    });
    // vault: means production's vault: the value the agent would be handed is production's.
    const resolved = await server.controlPlane.dependencies.vault.resolveForRun({
      orgId: acme.organization.id as never,
      environmentId: environment('production'),
      runId: (run.body as { runId: string }).runId,
      actor: { type: 'agent', id: acme.admin.id },
      names: ['WAREHOUSE_URL'],
    });
    expect(resolved).toEqual([
      { name: 'WAREHOUSE_URL', kind: 'credential', value: 'postgres://prod@warehouse/prod' },
    ]);

    // A later change in development shows as changed in the next preview.
    await api.http('POST', at('development', '/projects'), admin, {
      document: {
        ...document,
        operations: { 'load-orders': { ...document.operations!['load-orders']!, maxAttempts: 3 } },
      },
    });
    const next = await api.http('POST', at('production', '/promotions/preview'), admin, {
      sourceEnvironmentId: environment('development'),
      projectId,
      revision: 3,
    });
    expect((next.body as { changes: unknown[]; targetRevision: number }).changes).toEqual([
      { path: 'operations.load-orders', change: 'changed' },
    ]);
  });

  it('exports a signed archive; this organization imports it, a tampered or foreign one is refused', async () => {
    const exported = await api.http(
      'GET',
      at('development', `/projects/${projectId}/revisions/1/archive`),
      admin,
    );
    expect(exported.status).toBe(200);
    const archive = exported.body as Record<string, unknown>;
    const imported = await api.http('POST', at('test', '/projects/import'), admin, { archive });
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ revision: { revision: 1, source: 'import' } });

    const tampered = JSON.parse(
      JSON.stringify(archive).replace('orders.csv', 'orders.cs_'),
    ) as Record<string, unknown>;
    const refused = await api.http('POST', at('test', '/projects/import'), admin, {
      archive: tampered,
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    const foreign = await api.http(
      'POST',
      at('development', '/projects/import', globex),
      globexAdmin,
      {
        archive,
      },
    );
    expect(foreign.status).toBe(422);
    expect(foreign.body).toMatchObject({ error: { code: 'ARCHIVE_UNTRUSTED' } });
    expect(
      await sql(`SELECT count(*)::int AS n FROM projects WHERE org_id = $1`, [
        globex.organization.id,
      ]),
    ).toEqual([{ n: 0 }]);
  });

  it('tests a mapping on a sample without storing anything; a sample over 100 KB is refused', async () => {
    const mapping = document.transformations!['orders-to-rows']!.mapping;
    const input = await readFile(join(exampleProject, '..', 'data', 'orders.csv'), 'utf8');
    const counts = `SELECT (SELECT count(*) FROM projects)::int AS projects,
      (SELECT count(*) FROM project_revisions)::int AS revisions, (SELECT count(*) FROM runs)::int AS runs`;
    const before = await sql(counts);
    const tested = await api.http('POST', at('development', '/transformations/test'), admin, {
      mapping,
      input,
      format: 'csv',
    });
    expect(tested.status).toBe(200);
    const result = tested.body as { output: string; failed: unknown[]; counts: { read: number } };
    expect(result.output.trim().split('\n')).toHaveLength(4);
    expect(result.failed).toHaveLength(1);
    expect(JSON.stringify(result.failed)).toContain('quantity must be at least 1');
    const big = await api.http('POST', at('development', '/transformations/test'), admin, {
      mapping,
      input: 'a'.repeat(102_401),
      format: 'csv',
    });
    expect(big.status).toBe(400);
    expect((big.body as { error: { message: string } }).error.message).toMatch(
      /^input is 102401 bytes/,
    );
    // Slow samples: at most 2 run at once on a server, the others are refused (429), not queued.
    const slow = {
      mapping: {
        version: 1,
        records: [
          { fields: { work: { value: '$sum($map([1..10000], function($v) { $v % 7 }))' } } },
        ],
      },
      input: Array.from({ length: 100 }, (_, n) => `{"id":${n}}`).join('\n') + '\n',
      format: 'ndjson',
    };
    const burst = Array.from({ length: 6 }, () =>
      api.http('POST', at('development', '/transformations/test'), admin, slow),
    );
    // (That the engine lets other requests through between records is pinned in @weft/transform.)
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const replies = await Promise.all(burst);
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses).toContain(429);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    // A reader (no Write) may not evaluate anything.
    const reader = await api.http('POST', at('production', '/transformations/test'), executor, {
      mapping,
      input,
      format: 'csv',
    });
    expect(reader.status).toBe(403);
    expect(await sql(counts)).toEqual(before);
  });
});
