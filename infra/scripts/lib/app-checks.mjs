// The runtime checks of each deployed app: its commands and its HTTP endpoints, run with plain
// `node dist/main.js` in the deploy directory.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { assertStopsCleanly, containerEnv, runApp, startApp, waitForHttp } from './app-process.mjs';
import { assert } from './checklist.mjs';

/** migrate, bootstrap, then serve: /health, /ready (postgres, nats, s3), /api/docs, SIGTERM. */
export async function checkControlPlane(checks, { dir, migrateEnv, serveEnv, later }) {
  const base = `http://127.0.0.1:${serveEnv.CONTROL_PLANE_PORT}`;
  await checks.check(
    'control-plane: serve refuses to start while migrations are pending',
    async () => {
      const result = await runApp({ cwd: dir, env: containerEnv(serveEnv) }, 30_000);
      assert(result.code !== 0, 'it started without a migrated database');
      assert(
        /pending migrations/.test(result.output),
        `unexpected output: ${result.output.slice(-500)}`,
      );
    },
  );
  const migrated = await checks.check(
    "control-plane: `migrate` (compose's migrate service) applies the migrations",
    async () => {
      const result = await runApp({ cwd: dir, args: ['migrate'], env: containerEnv(migrateEnv) });
      assert(result.code === 0, `exit ${result.code}: ${result.output.slice(-800)}`);
      assert(
        /migrate: applied /.test(result.output),
        `unexpected output: ${result.output.slice(-300)}`,
      );
      return true;
    },
  );
  await checks.check('control-plane: `migrate` again finds nothing to do', async () => {
    const result = await runApp({ cwd: dir, args: ['migrate'], env: containerEnv(migrateEnv) });
    assert(
      result.code === 0 && /up to date/.test(result.output),
      `exit ${result.code}: ${result.output.slice(-500)}`,
    );
  });
  await checks.check(
    'control-plane: `bootstrap --json` creates the first organization and administrator',
    async () => {
      const env = containerEnv({ ...serveEnv, WEFT_BOOTSTRAP_ADMIN_EMAIL: 'admin@example.com' });
      const result = await runApp({ cwd: dir, args: ['bootstrap', '--json'], env });
      // The output holds a generated password: only its shape is looked at, none of it is printed.
      assert(result.code === 0, `exit ${result.code}`);
      const report = JSON.parse(result.output.trim().split('\n').at(-1));
      assert(
        report.organization?.created === true && report.admin?.created === true,
        'nothing was created',
      );
    },
  );
  if (!migrated) return checks.skip('control-plane: serve', 'migrate failed');
  await serveAndProbe(
    checks,
    {
      app: 'control-plane',
      dir,
      env: serveEnv,
      base,
      later,
      dependencies: ['postgres', 'nats', 's3'],
    },
    async () => {
      await checks.check('control-plane: GET /api/docs serves the OpenAPI document', async () => {
        const response = await fetch(`${base}/api/docs`);
        assert(response.status === 200, `HTTP ${response.status}`);
        const document = await response.json();
        assert(
          typeof document.openapi === 'string' && document.paths?.['/health'] !== undefined,
          'not an OpenAPI document',
        );
      });
    },
  );
}

/** serve: /health, /ready (nats), SIGTERM. */
export async function checkGateway(checks, { dir, serveEnv, later }) {
  const base = `http://127.0.0.1:${serveEnv.GATEWAY_PORT}`;
  await serveAndProbe(checks, {
    app: 'gateway',
    dir,
    env: serveEnv,
    base,
    later,
    dependencies: ['nats'],
  });
}

/** --help; then a run with the image's settings (directories under `dataDir`), /health, SIGTERM. */
export async function checkAgent(checks, { dir, gatewayUrl, dataDir, enrolmentToken, later }) {
  await checks.check('agent: --help exits 0 and prints the usage', async () => {
    const result = await runApp({ cwd: dir, args: ['--help'], env: containerEnv({}) });
    assert(result.code === 0, `exit ${result.code}: ${result.output.slice(-500)}`);
    assert(
      /Usage:/.test(result.output) && /WEFT_AGENT_GATEWAY_URL/.test(result.output),
      'no usage text',
    );
  });
  const healthPort = await freePort();
  const agent = startApp({
    cwd: dir,
    env: containerEnv({
      WEFT_AGENT_GATEWAY_URL: gatewayUrl,
      WEFT_AGENT_AGENT_NAME: 'deploy-smoke',
      WEFT_AGENT_AGENT_GROUP_ID: 'deploy-smoke-group',
      WEFT_AGENT_ENROLMENT_TOKEN: enrolmentToken,
      WEFT_AGENT_STATE_DIR: join(dataDir, 'state'),
      WEFT_AGENT_WORK_DIR: join(dataDir, 'work'),
      WEFT_AGENT_LOG_DIR: join(dataDir, 'logs'),
      WEFT_AGENT_HEALTH_PORT: String(healthPort),
      WEFT_AGENT_SHUTDOWN_GRACE_SECONDS: '5',
      WEFT_AGENT_LOG_LEVEL: 'warn',
    }),
  });
  later(() => agent.stop(2000));
  const running = await checks.check(
    'agent: starts and answers GET /health on its loopback health port',
    async () => {
      const body = JSON.parse(
        await waitForHttp(agent, `http://127.0.0.1:${healthPort}/health`, { timeoutMs: 20_000 }),
      );
      assert(body.status === 'running', `status ${body.status}`);
      return true;
    },
  );
  if (!running) return checks.skip('agent: stops cleanly on SIGTERM', 'it did not start');
  await checks.check('agent: stops cleanly on SIGTERM (exit 0)', () =>
    assertStopsCleanly(agent, 10_000),
  );
}

async function serveAndProbe(checks, { app, dir, env, base, later, dependencies }, extra) {
  const server = startApp({ cwd: dir, env: containerEnv(env) });
  later(() => server.stop(2000));
  const alive = await checks.check(`${app}: serves GET /health → 200`, () =>
    waitForHttp(server, `${base}/health`),
  );
  if (!alive) return checks.skip(`${app}: /ready and SIGTERM`, 'it did not come up');
  await checks.check(`${app}: GET /ready → 200 with ${dependencies.join(', ')} up`, async () => {
    const body = JSON.parse(await waitForHttp(server, `${base}/ready`, { timeoutMs: 10_000 }));
    for (const name of dependencies)
      assert(body.checks?.[name] === 'up', `${name} is ${body.checks?.[name]}`);
  });
  if (extra) await extra();
  await checks.check(`${app}: stops cleanly on SIGTERM (exit 0)`, () => assertStopsCleanly(server));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
