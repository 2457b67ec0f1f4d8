import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { generateLocalKek } from '@weft/crypto';
import { createJsonLogger, noopLogger, type JsonLogger, type Logger } from '@weft/log-schema';
import { validateEnv } from '@weft/server-kit';
import { testNatsUrl, testS3 } from '@weft/testing';
import {
  ControlPlaneEnv,
  compileControlPlaneConfig,
  type ControlPlaneConfig,
} from '../src/config/control-plane.config.js';
import { KeyEncryptionKeys, type NamedKeyProvider } from '../src/keys/key-providers.js';
import { OrgKeys } from '../src/keys/org-keys.js';
import {
  bootstrapFirstAdmin,
  type FirstAdminRequest,
  type FirstAdminResult,
} from '../src/bootstrap/first-admin.js';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { createDataSource } from '../src/database/data-source.js';
import { createS3Client } from '../src/infrastructure/dependencies.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { LocalKeyProvider } from '@weft/crypto';

/** This test file's key-encryption key (a fresh one per process, never a fixture). */
export const TEST_KEK = generateLocalKek();

export function testKeyEncryptionKeys(
  kek: string = TEST_KEK,
  previous: string[] = [],
): KeyEncryptionKeys {
  const provider = (text: string): NamedKeyProvider => LocalKeyProvider.fromBase64(text);
  return new KeyEncryptionKeys(provider(kek), previous.map(provider));
}

/** The organizations' data keys over `dataSource`, under this file's KEK. */
export function testOrgKeys(
  dataSource: DataSource,
  options: { kek?: KeyEncryptionKeys; maxEncryptionsPerKey?: number; logger?: Logger } = {},
): OrgKeys {
  return new OrgKeys(dataSource, options.kek ?? testKeyEncryptionKeys(), {
    cacheTtlMs: 60_000,
    logger: options.logger ?? noopLogger,
    ...(options.maxEncryptionsPerKey !== undefined
      ? { maxEncryptionsPerKey: options.maxEncryptionsPerKey }
      : {}),
  });
}

/**
 * A secret value no test or fixture could produce by accident: searched for afterwards in every
 * database column and log line (test/no-plaintext.test.ts).
 */
export function plantedSecret(label = 'secret'): string {
  return `${PLANTED_PREFIX}${label}-${randomBytes(12).toString('base64url')}`;
}

const PLANTED_PREFIX = 'planted-';

/**
 * Every place in the database where a planted secret's plaintext appears: each row of each table
 * is searched as text (all columns, JSON and arrays included). Ciphertext columns cannot match
 * (they are base64url of sealed bytes), so any hit is a leak.
 */
export async function plaintextLeaks(dataSource: DataSource): Promise<string[]> {
  const tables = (await dataSource.query(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  )) as Array<{ table_name: string }>;
  const leaks: string[] = [];
  for (const { table_name: table } of tables) {
    const [{ n }] = (await dataSource.query(
      `SELECT count(*)::int AS n FROM "${table}" AS t WHERE t::text LIKE $1`,
      [`%${PLANTED_PREFIX}%`],
    )) as [{ n: number }];
    if (n > 0) leaks.push(`${table}: ${n} rows`);
  }
  return leaks;
}

/** Log lines that carry a planted secret. */
export function leakingLines(lines: readonly string[]): string[] {
  return lines.filter((line) => line.includes(PLANTED_PREFIX));
}

/** The S3 settings that point the control plane at the harness's S3-compatible server. */
export function s3Env(): Record<string, string> {
  const s3 = testS3();
  return {
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
  };
}

/** An S3 client for the harness's S3-compatible server, as the control plane builds its own. */
export function testS3Client(): S3Client {
  return createS3Client({
    endpoint: testS3().endpoint,
    region: testS3().region,
    bucket: 'weft',
    forcePathStyle: true,
    credentials: { accessKeyId: testS3().accessKeyId, secretAccessKey: testS3().secretAccessKey },
  });
}

/** The control plane's configuration for one test file, pointing at the harness's services. */
export function testConfig(
  databaseUrl: string,
  overrides: Record<string, string> = {},
): ControlPlaneConfig {
  return compileControlPlaneConfig(
    validateEnv(ControlPlaneEnv, {
      DATABASE_URL: databaseUrl,
      NATS_URL: testNatsUrl(),
      ...s3Env(),
      S3_BUCKET: 'weft',
      STARTUP_TIMEOUT_SECONDS: '5',
      WEFT_KEK: TEST_KEK,
      ...overrides,
    }),
  );
}

/** A logger that keeps its lines, so tests can assert on what was (not) logged. */
export function capturingLogger(): { logger: JsonLogger; lines: string[] } {
  const lines: string[] = [];
  return {
    logger: createJsonLogger({
      service: 'control-plane',
      level: 'debug',
      write: (l) => lines.push(l),
    }),
    lines,
  };
}

export async function listen(app: {
  listen(port: number, host: string): Promise<unknown>;
  getHttpServer(): unknown;
}): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as { address(): { port: number } }).address();
  return `http://127.0.0.1:${address.port}`;
}

/** The first-admin request of a test organization `slug` (admin@<slug>.example). */
export function organization(
  slug: string,
  extra: Partial<FirstAdminRequest> = {},
): FirstAdminRequest {
  return {
    organizationName: slug,
    organizationSlug: slug,
    adminEmail: `admin@${slug}.example`,
    adminFirstName: 'Ada',
    adminLastName: 'Admin',
    ...extra,
  };
}

/** Bootstraps organizations into a test database, each with its data key under TEST_KEK. */
export async function bootstrapOrganizations(
  databaseUrl: string,
  requests: readonly FirstAdminRequest[],
): Promise<FirstAdminResult[]> {
  const setup = createDataSource({ url: databaseUrl, poolSize: 2 });
  await setup.initialize();
  try {
    const keys = testOrgKeys(setup);
    const results: FirstAdminResult[] = [];
    for (const request of requests) results.push(await bootstrapFirstAdmin(setup, keys, request));
    return results;
  } finally {
    await setup.destroy();
  }
}

/** A control plane on a loopback port over the harness's services; `stop()` closes it all. */
export async function startControlPlane(
  databaseUrl: string,
  overrides: Record<string, string> = {},
  logger: JsonLogger = capturingLogger().logger,
): Promise<{ controlPlane: ControlPlane; url: string; stop(): Promise<void> }> {
  const controlPlane = await createControlPlane(
    testConfig(databaseUrl, { WEFT_COOKIE_SECURE: 'false', ...overrides }),
    logger,
  );
  const url = await listen(controlPlane.app);
  return {
    controlPlane,
    url,
    async stop() {
      await controlPlane.app.close();
      await controlPlane.dependencies.close();
    },
  };
}

/** Runs one statement on its own connection (as the schema owner) and returns the rows. */
export async function sqlRows<T = Record<string, unknown>>(
  databaseUrl: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export interface Reply {
  status: number;
  body: unknown;
  cookies: string[];
}

/** How a test request authenticates: a session (cookie + CSRF token) or an API key. */
export interface Credentials {
  cookie?: string;
  csrf?: string;
  bearer?: string;
}

/** A JSON client for the control plane's API, as a browser or a script would call it. */
export function apiClient(baseUrl: string | (() => string)) {
  const base = typeof baseUrl === 'string' ? () => baseUrl : baseUrl;
  async function http(
    method: string,
    path: string,
    auth: Credentials = {},
    body?: unknown,
  ): Promise<Reply> {
    const res = await fetch(`${base()}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        ...(auth.cookie ? { cookie: auth.cookie } : {}),
        ...(auth.csrf ? { 'x-csrf-token': auth.csrf } : {}),
        ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // Not JSON (a redirect, an HTML page): the text itself.
    }
    return { status: res.status, body: parsed, cookies: res.headers.getSetCookie() };
  }
  /**
   * The session cookie and CSRF token a reply set, when it set them (the token from the body,
   * or — after a redirect, as single sign-on ends — from the readable weft_csrf cookie).
   */
  function sessionOf(reply: Reply): Required<Pick<Credentials, 'cookie' | 'csrf'>> {
    const cookie = (name: string) =>
      reply.cookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? '';
    const fromBody = (reply.body as { csrfToken?: string } | undefined)?.csrfToken;
    return {
      cookie: cookie('weft_session'),
      csrf: fromBody ?? cookie('weft_csrf').slice('weft_csrf='.length),
    };
  }
  async function signIn(email: string, password: string) {
    const reply = await http('POST', '/api/v1/auth/login', {}, { email, password });
    return { reply, ...sessionOf(reply) };
  }
  return { http, signIn, sessionOf };
}
