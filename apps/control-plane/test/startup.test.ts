import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  closedPort,
  createTestDatabase,
  runService,
  testNatsUrl,
  type ServiceExit,
  type TestDatabase,
} from '@weft/testing';
import { TEST_KEK, s3Env } from './support.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function runControlPlane(
  env: Record<string, string>,
  args: string[] = [],
  stopWhen?: RegExp,
): Promise<ServiceExit> {
  return runService({
    cwd: appDir,
    entry: 'src/main.ts',
    args,
    // Every run gets a key-encryption key unless the test is about that setting.
    env: { WEFT_KEK: TEST_KEK, ...env },
    ...(stopWhen ? { stopWhen } : {}),
  });
}

describe('control plane start-up failures', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('names a missing setting in one line and exits 2', async () => {
    const exit = await runControlPlane({ NATS_URL: testNatsUrl() });
    expect(exit.code).toBe(2);
    expect(exit.stderr).toBe('control-plane: invalid configuration: DATABASE_URL is required\n');
  });

  it('rejects a malformed DATABASE_URL without echoing it', async () => {
    const exit = await runControlPlane({
      DATABASE_URL: 'postgres//weft:hunter2-hunter2@db',
      NATS_URL: testNatsUrl(),
    });
    expect(exit.code).toBe(2);
    expect(exit.stderr).toBe(
      'control-plane: invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL\n',
    );
  });

  it('gives up on an unreachable PostgreSQL within the start-up timeout, naming DATABASE_URL', async () => {
    const port = await closedPort();
    const exit = await runControlPlane({
      DATABASE_URL: `postgres://weft:not-the-password@127.0.0.1:${port}/weft`,
      NATS_URL: testNatsUrl(),
      STARTUP_TIMEOUT_SECONDS: '3',
      ...s3Env(),
    });
    expect(exit.code).toBe(1);
    const lines = exit.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^control-plane: cannot connect to PostgreSQL at DATABASE_URL \\(postgres://weft@127\\.0\\.0\\.1:${port}/weft\\): `,
      ),
    );
    expect(exit.stderr).not.toContain('not-the-password');
    expect(exit.durationMs).toBeLessThan(20_000);
  });

  it('fails at once on a wrong password, without retrying', async () => {
    const url = new URL(database.url);
    url.password = 'wrong-password';
    const exit = await runControlPlane({
      DATABASE_URL: url.toString(),
      NATS_URL: testNatsUrl(),
      ...s3Env(),
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(
      /^control-plane: cannot connect to PostgreSQL at DATABASE_URL .*password authentication failed/,
    );
    expect(exit.stderr).not.toContain('wrong-password');
  });

  it('names NATS_URL when NATS cannot be reached', async () => {
    const port = await closedPort();
    const exit = await runControlPlane({
      DATABASE_URL: database.url,
      NATS_URL: `nats://127.0.0.1:${port}`,
      STARTUP_TIMEOUT_SECONDS: '2',
      ...s3Env(),
    });
    expect(exit.code).toBe(1);
    const lines = exit.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^control-plane: cannot connect to NATS at NATS_URL: /);
    expect(exit.durationMs).toBeLessThan(20_000);
  });

  it('refuses to serve a database with pending migrations', async () => {
    const exit = await runControlPlane({
      DATABASE_URL: database.url.replace(database.name, 'postgres'),
      NATS_URL: testNatsUrl(),
      ...s3Env(),
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(
      /has pending migrations: run "weft-control-plane migrate" first\n$/,
    );
  });

  it('serves, then shuts down cleanly on SIGTERM', async () => {
    const exit = await runControlPlane(
      {
        DATABASE_URL: database.url,
        NATS_URL: testNatsUrl(),
        CONTROL_PLANE_PORT: String(await closedPort()),
        ...s3Env(),
      },
      [],
      /control plane listening/,
    );
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('"msg":"shutting down"');
    expect(exit.stdout).not.toContain(new URL(database.url).password);
  });

  it('explains its commands', async () => {
    const exit = await runControlPlane({}, ['--help']);
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('migrate');
    expect(exit.stdout).toContain('bootstrap');
    const unknown = await runControlPlane({}, ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('control-plane: unknown command "frobnicate" (try --help)\n');
  });
});
