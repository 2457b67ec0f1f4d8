// The main job, end to end, through the public API, the `weft` CLI and a real agent: a project
// pushed from its folder of YAML files, deployed, run — a CSV file in S3, a mapping with a
// validation rule, a PostgreSQL table — and what the activity log and the agent's files say.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  SOURCE_LOADER_ARGS,
  createTestDatabase,
  testNatsUrl,
  testS3,
  type TestDatabase,
} from '@weft/testing';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import {
  gatewayTokenKey,
  startAgent,
  startGateway,
  type TestGateway,
  type TestProcess,
} from './agent-harness.js';
import {
  apiClient,
  bootstrapOrganizations,
  organization,
  sqlRows,
  startControlPlane,
  testS3Client,
  type Credentials,
} from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const example = join(root, 'examples', 'orders-sync');
const cliMain = join(root, 'apps', 'cli', 'src', 'main.ts');
const BUCKET = 'weft-e2e-orders';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('a project from files, deployed and run on a real agent (S3 CSV → mapping → PostgreSQL)', () => {
  let database: TestDatabase;
  let warehouse: TestDatabase;
  let server: Awaited<ReturnType<typeof startControlPlane>>;
  let api: ReturnType<typeof apiClient>;
  let acme: FirstAdminResult;
  let admin: Credentials;
  let apiKey: string;
  let gateway: TestGateway;
  let agent: TestProcess;
  let dir: string;
  let configDir: string;
  const password = `pw-${randomBytes(16).toString('base64url')}`;
  const development = () => acme.environments.find((e) => e.name === 'development')!.id;
  const env = (path: string) => `/api/v1/environments/${development()}${path}`;

  function weft(args: string[], timeoutMs = 90_000): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [...SOURCE_LOADER_ARGS, '--no-warnings', cliMain, ...args],
        {
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            WEFT_CONFIG_DIR: configDir,
            WEFT_API_KEY: apiKey,
            WEFT_URL: server.url,
            WEFT_ENV: development(),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    warehouse = await createTestDatabase();
    await sqlRows(warehouse.url, await readFile(join(example, 'data', 'warehouse.sql'), 'utf8'));
    [acme] = (await bootstrapOrganizations(database.url, [
      organization('acme', { adminPassword: password }),
    ])) as [FirstAdminResult];
    server = await startControlPlane(database.url, { WEFT_RUN_ACK_WAIT_SECONDS: '5' });
    api = apiClient(server.url);
    admin = await api.signIn('admin@acme.example', password);
    const [role] = await sqlRows<{ id: string }>(
      database.url,
      `SELECT id FROM roles WHERE org_id = $1 AND name = 'Administrator'`,
      [acme.organization.id],
    );
    const key = await api.http(
      'POST',
      `/api/v1/organizations/${acme.organization.id}/api-keys`,
      admin,
      {
        name: 'ci',
        roleIds: [role!.id],
      },
    );
    expect(key.status).toBe(201);
    apiKey = (key.body as { token: string }).token;

    const s3 = testS3Client();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'orders.csv',
        Body: await readFile(join(example, 'data', 'orders.csv')),
      }),
    );
    s3.destroy();

    dir = await mkdtemp(join(tmpdir(), 'weft-e2e-'));
    configDir = join(dir, 'cli');
    gateway = await startGateway({ NATS_URL: testNatsUrl(), GATEWAY_TOKEN_KEY: gatewayTokenKey() });
    const group = await api.http('POST', env('/agent-groups'), admin, { name: 'on-prem' });
    expect(group.status).toBe(201);
    const groupId = (group.body as { id: string }).id;
    const token = await api.http('POST', env(`/agent-groups/${groupId}/enrolment-tokens`), admin);
    agent = await startAgent({
      name: 'e2e-agent',
      gatewayUrl: gateway.url,
      groupId,
      enrolmentToken: (token.body as { token: string }).token,
      dir,
    });

    // The development environment's values for the project's variables: its vault.
    const s3Settings = testS3();
    const values: Record<string, string> = {
      ORDERS_BUCKET: BUCKET,
      S3_ENDPOINT: s3Settings.endpoint,
      S3_ACCESS_KEY_ID: s3Settings.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3Settings.secretAccessKey,
      WAREHOUSE_URL: warehouse.url,
    };
    for (const [name, value] of Object.entries(values)) {
      const kind = /KEY|URL$/.test(name) && name !== 'S3_ENDPOINT' ? 'credential' : 'variable';
      const put = await api.http('PUT', env(`/secrets/${name}`), admin, { value, kind });
      expect(put.status).toBe(200);
    }
  }, 180_000);

  afterAll(async () => {
    await agent?.kill('SIGKILL');
    await gateway?.kill();
    await server?.stop();
    await database?.drop();
    await warehouse?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('pushes, deploys and runs; the activity log, the failed-records file and the table agree', async () => {
    const pushed = await weft(['project', 'push', join(example, 'project'), '--json']);
    expect({ code: pushed.code, stderr: pushed.stderr }).toEqual({ code: 0, stderr: '' });
    const { project } = JSON.parse(pushed.stdout) as { project: { id: string; name: string } };
    expect(project.name).toBe('orders-sync');
    // The same folder again is no new revision.
    const again = await weft(['project', 'push', join(example, 'project'), '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: false, revision: { revision: 1 } });

    expect(await weft(['deploy', 'orders-sync'])).toMatchObject({ code: 0 });
    const run = await weft(['run', 'orders-sync', 'load-orders', '--wait', '--json'], 120_000);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    const finished = (JSON.parse(run.stdout) as { run: { id: string; status: string } }).run;
    expect(finished.status).toBe('succeeded');
    const runId = finished.id;

    // The activity log: the right counts, who submitted it, which agent ran it.
    const listed = await api.http('GET', env(`/activity?project=${project.id}`), admin);
    expect(listed.status).toBe(200);
    const items = (listed.body as { items: Array<Record<string, unknown>> }).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: runId,
      status: 'succeeded',
      operationId: 'load-orders',
      recordsRead: 5,
      recordsWritten: 4,
      recordsFailed: 1,
    });
    expect(items[0]!.agentId).toEqual(expect.any(String));

    // The run's details: the agent's step lines, decrypted for a reader of the activity log.
    const details = await api.http('GET', env(`/runs/${runId}/details`), admin);
    expect(details.status).toBe(200);
    const lines = (details.body as { items: Array<{ step?: string; text: string }> }).items;
    expect(lines.find((line) => line.step === 'source')?.text).toMatch(/read 5 records/);
    expect(lines.find((line) => line.step === 'target')?.text).toMatch(/wrote 4 records/);

    // The failed record stays on the agent's disk, with its reason.
    const logDir = join(dir, 'e2e-agent', 'logs');
    const failedFile = (await readdir(logDir)).find((name) =>
      name.endsWith(`${runId}-failed.ndjson`),
    );
    expect(failedFile).toBeDefined();
    const failed = (await readFile(join(logDir, failedFile!), 'utf8')).trim().split('\n');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('A-1003');
    expect(failed[0]).toContain('quantity must be at least 1');

    // The warehouse has the four good orders, mapped.
    const rows = await sqlRows<{
      order_id: string;
      email: string;
      quantity: number;
      total: string;
    }>(warehouse.url, `SELECT order_id, email, quantity, total FROM orders ORDER BY order_id`);
    expect(rows.map((r) => r.order_id)).toEqual(['A-1001', 'A-1002', 'A-1004', 'A-1005']);
    expect(rows[0]).toEqual({
      order_id: 'A-1001',
      email: 'ada@example.com',
      quantity: 2,
      total: '19.00',
    });

    // The credentials reached the agent sealed, and each decryption is in the audit trail.
    const audited = await sqlRows<{ n: number }>(
      database.url,
      `SELECT count(*)::int AS n FROM audit_events WHERE org_id = $1 AND action = 'secret.resolve'`,
      [acme.organization.id],
    );
    expect(audited[0]!.n).toBeGreaterThanOrEqual(3);

    // Logs through the CLI show the same run.
    const logs = await weft(['logs', '--project', 'orders-sync', '--json']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain(runId);
  }, 240_000);
});
