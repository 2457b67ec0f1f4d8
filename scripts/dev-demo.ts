// The demo `pnpm dev` loads: examples/orders-sync (a CSV file in S3 → a mapping with a
// validation rule → a PostgreSQL table) pushed and deployed to the development environment
// through the API, the way a user would, with its variables in the environment's vault, and an
// API key for the `weft` CLI kept in .weft/dev/cli (0600), so `pnpm demo` runs it.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { parseProjectFolder } from '@weft/project';
import { call, developmentEnvironment, signIn, type AdminSession } from './dev-agent.js';

export const DEMO_BUCKET = 'weft-demo';
const DEMO_DATABASE = 'weft_demo';

export interface DemoOptions {
  root: string;
  devDir: string;
  controlPlaneUrl: string;
  ca?: string;
  admin: { email: string; password?: string };
  /** The embedded PostgreSQL's URL (the demo's warehouse is a database beside Weft's). */
  databaseUrl: string;
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
}

function folderFiles(folder: string): Array<{ path: string; content: string }> {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const full = join(entry.parentPath, entry.name);
      return { path: relative(folder, full), content: readFileSync(full, 'utf8') };
    });
}

async function ensureWarehouse(databaseUrl: string, schema: string): Promise<string> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      DEMO_DATABASE,
    ]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${DEMO_DATABASE}`;
  const warehouse = new pg.Client({ connectionString: url.toString() });
  await warehouse.connect();
  try {
    await warehouse.query(schema);
  } finally {
    await warehouse.end();
  }
  return url.toString();
}

async function uploadOrders(s3: DemoOptions['s3'], csv: Buffer): Promise<void> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: DEMO_BUCKET })).catch((error: unknown) => {
      const name = (error as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
    });
    await client.send(new PutObjectCommand({ Bucket: DEMO_BUCKET, Key: 'orders.csv', Body: csv }));
  } finally {
    client.destroy();
  }
}

/** An API key for the CLI, made once and kept where `pnpm weft` looks (WEFT_CONFIG_DIR). */
async function ensureCliCredentials(options: DemoOptions, session: AdminSession): Promise<string> {
  const dir = join(options.devDir, 'cli');
  const file = join(dir, 'credentials.json');
  if (existsSync(file)) return dir;
  const tls = options.ca ? { ca: options.ca } : {};
  const roles = await call(
    `${options.controlPlaneUrl}/api/v1/organizations/${session.orgId}/roles`,
    {
      headers: session.as,
      ...tls,
    },
  );
  const administrator = (roles.body as Array<{ id: string; name: string }>).find(
    (role) => role.name === 'Administrator',
  );
  if (!administrator) throw new Error('the organization has no Administrator role');
  const key = await call(
    `${options.controlPlaneUrl}/api/v1/organizations/${session.orgId}/api-keys`,
    {
      method: 'POST',
      headers: session.as,
      body: { name: 'pnpm dev (weft CLI)', roleIds: [administrator.id], expiresInDays: 365 },
      ...tls,
    },
  );
  const token = (key.body as { token?: string }).token;
  if (key.status !== 201 || !token)
    throw new Error(`creating the CLI's API key failed (${key.status})`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  writeFileSync(file, JSON.stringify({ url: options.controlPlaneUrl, apiKey: token }), {
    mode: 0o600,
  });
  return dir;
}

/**
 * Loads the demo into the development environment (idempotent: an unchanged project is no new
 * revision, existing variables are left as they are). Returns what to tell the user, or why the
 * demo could not be loaded.
 */
export async function loadDemo(options: DemoOptions): Promise<{ environmentId: string } | string> {
  const base = options.controlPlaneUrl;
  const tls = options.ca ? { ca: options.ca } : {};
  const session = await signIn(base, options.admin, options.ca);
  if (typeof session === 'string') return session;
  const example = join(options.root, 'examples', 'orders-sync');
  const environment = await developmentEnvironment(base, session, options.ca);
  if (typeof environment === 'string') return environment;
  const at = (path: string) => `${base}/api/v1/environments/${environment.id}${path}`;

  const warehouseUrl = await ensureWarehouse(
    options.databaseUrl,
    readFileSync(join(example, 'data', 'warehouse.sql'), 'utf8'),
  );
  await uploadOrders(options.s3, readFileSync(join(example, 'data', 'orders.csv')));
  const values: Record<string, { kind: 'variable' | 'credential'; value: string }> = {
    ORDERS_BUCKET: { kind: 'variable', value: DEMO_BUCKET },
    S3_ENDPOINT: { kind: 'variable', value: options.s3.endpoint },
    S3_ACCESS_KEY_ID: { kind: 'credential', value: options.s3.accessKeyId },
    S3_SECRET_ACCESS_KEY: { kind: 'credential', value: options.s3.secretAccessKey },
    WAREHOUSE_URL: { kind: 'credential', value: warehouseUrl },
  };
  for (const [name, body] of Object.entries(values)) {
    const existing = await call(at(`/secrets/${name}`), { headers: session.as, ...tls });
    if (existing.status === 200) continue;
    const put = await call(at(`/secrets/${name}`), {
      method: 'PUT',
      headers: session.as,
      body: { ...body, description: 'set by pnpm dev for the orders-sync demo' },
      ...tls,
    });
    if (put.status !== 200) return `setting variable ${name} failed (${put.status})`;
  }
  const document = parseProjectFolder(folderFiles(join(example, 'project')));
  const pushed = await call(at('/projects'), {
    method: 'POST',
    headers: session.as,
    body: { document },
    ...tls,
  });
  if (pushed.status !== 200 && pushed.status !== 201) {
    return `pushing examples/orders-sync failed (${pushed.status}): ${JSON.stringify(pushed.body)}`;
  }
  const project = (
    pushed.body as {
      project: { id: string; deployedRevision: number | null; latestRevision: number };
    }
  ).project;
  if (project.deployedRevision !== project.latestRevision) {
    const deployed = await call(at(`/projects/${project.id}/deployments`), {
      method: 'POST',
      headers: session.as,
      body: {},
      ...tls,
    });
    if (deployed.status !== 201) return `deploying the demo failed (${deployed.status})`;
  }
  await ensureCliCredentials(options, session);
  return { environmentId: environment.id };
}
