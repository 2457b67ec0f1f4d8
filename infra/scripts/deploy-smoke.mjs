#!/usr/bin/env node
// Proves what the container images hold. For each app it runs the Dockerfile's own
// `pnpm deploy --prod --legacy` + prune, checks the output stands on its own, then runs it with
// plain `node dist/main.js` outside the workspace, with the environment docker-compose.yml gives
// it (only host names, ports and the S3 key pair swapped for the local services), against real
// PostgreSQL (the compose init SQL's non-superuser role), NATS (infra/nats/nats-server.conf and
// its least-privilege users) and S3. One line per check; `.weft/deploy-smoke.json` gets
// { passed, failed } for scripts/test-all.mjs. Run after `pnpm exec turbo run build`.
// WEFT_PNPM names the pnpm to use (default `pnpm`).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkAgent, checkControlPlane, checkGateway, freePort } from './lib/app-checks.mjs';
import { assert, Checklist, oneLine } from './lib/checklist.mjs';
import {
  assertComposeStructure,
  loadCompose,
  referencedVariables,
  serviceEnvironment,
} from './lib/compose.mjs';
import {
  assertLockedVersions,
  assertNoDevDependencies,
  assertSelfContained,
  deployApp,
} from './lib/deploy.mjs';
import { checkNatsPermissions } from './lib/nats-permissions.mjs';
import { GENERATED_SECRETS, generateSecret, parseEnv, renderEnv } from './new-env.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const infra = join(root, 'infra');
const pnpm = process.env.WEFT_PNPM ?? 'pnpm';
const summaryFile = join(root, '.weft', 'deploy-smoke.json');
const fromWorkspace = createRequire(join(root, 'packages', 'testing', 'package.json'));

// A result of an earlier run must never be counted for this one.
rmSync(summaryFile, { force: true });

const checks = new Checklist();
const work = mkdtempSync(join(tmpdir(), 'weft-deploy-smoke-'));
const cleanups = [];
const later = (fn) => cleanups.push(fn);

try {
  const deployed = await deployAll();
  const compose = await checkCompose();
  const services = compose && (await startServices(compose.env));
  if (services) {
    await checkNatsPermissions(checks, {
      nats: fromWorkspace('nats'),
      url: services.nats.url,
      passwords: services.natsPasswords,
    });
    const env = (service) => harnessEnv(serviceEnvironment(compose.model, service), services);
    const gatewayEnv = await env('gateway');
    if (deployed.gateway)
      await checkGateway(checks, { dir: deployed.gateway, serveEnv: gatewayEnv, later });
    if (deployed['control-plane']) {
      await checkControlPlane(checks, {
        dir: deployed['control-plane'],
        migrateEnv: await env('migrate'),
        serveEnv: await env('control-plane'),
        later,
      });
    }
    if (deployed.agent) {
      await checkAgent(checks, {
        dir: deployed.agent,
        gatewayUrl: `http://127.0.0.1:${gatewayEnv.GATEWAY_PORT}`,
        dataDir: join(work, 'agent-data'),
        enrolmentToken: generateSecret(),
        later,
      });
    }
  }
} catch (error) {
  await checks.check('deploy smoke test ran to the end', () => {
    throw error;
  });
} finally {
  for (const cleanup of cleanups.reverse()) {
    await Promise.resolve()
      .then(cleanup)
      .catch((error) => process.stderr.write(`cleanup: ${oneLine(error)}\n`));
  }
  rmSync(work, { recursive: true, force: true });
}

checks.writeSummary(summaryFile);
process.stdout.write(
  `\ndeploy smoke: ${checks.passed} passed, ${checks.failed} failed (${checks.elapsedSeconds} s)\n`,
);
process.exit(checks.failed === 0 && checks.passed > 0 ? 0 : 1);

async function deployAll() {
  const lockfile = readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8');
  const deployed = {};
  for (const app of ['control-plane', 'gateway', 'agent']) {
    const dir = join(work, app);
    const ok = await checks.check(
      `${app}: pnpm deploy --prod --legacy + prune, as in the Dockerfile`,
      async () => {
        await deployApp({ root, pnpm, packageName: `@weft/${app}`, outDir: dir });
        return true;
      },
    );
    if (!ok) {
      checks.skip(`${app}: deploy content and runtime checks`, 'the deploy failed');
      continue;
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const selfContained = await checks.check(
      `${app}: deploy has its own node_modules; @weft/* are built copies inside it; no symlink leaves it`,
      () => {
        assertSelfContained(dir, manifest);
        return true;
      },
    );
    await checks.check(`${app}: no devDependency was deployed`, () =>
      assertNoDevDependencies(dir, manifest),
    );
    await checks.check(`${app}: every deployed package is at its pnpm-lock.yaml version`, () =>
      assertLockedVersions(dir, lockfile),
    );
    if (selfContained) deployed[app] = dir;
    else checks.skip(`${app}: runtime checks`, 'its deploy is not self-contained');
  }
  return deployed;
}

/** The compose file with a .env as new-env.mjs writes it; returns both, or undefined. */
async function checkCompose() {
  const file = join(infra, 'docker-compose.yml');
  const { all, required } = referencedVariables(readFileSync(file, 'utf8'));
  const documented = Object.keys(parseEnv(readFileSync(join(infra, '.env.example'), 'utf8')));
  await checks.check(
    'compose: every variable docker-compose.yml reads is documented in .env.example',
    () => {
      const missing = [...all].filter((name) => !documented.includes(name));
      assert(missing.length === 0, `undocumented: ${missing.join(', ')}`);
    },
  );
  await checks.check('compose: refuses to start without .env, naming every secret', () => {
    let refusal;
    try {
      loadCompose(file, {}, fromWorkspaceYaml());
    } catch (error) {
      refusal = error;
    }
    assert(refusal?.missing, 'it interpolated without any secret');
    const unnamed = GENERATED_SECRETS.filter(
      (name) => !refusal.missing.includes(name) || !required.has(name),
    );
    assert(unnamed.length === 0, `not required (\${VAR:?}): ${unnamed.join(', ')}`);
  });
  const env = parseEnv(renderEnv());
  const model = await checks.check(
    'compose: interpolates with a .env from new-env.mjs; start-up order, health checks, isolation',
    () => {
      const loaded = loadCompose(file, env, fromWorkspaceYaml());
      assertComposeStructure(loaded);
      return loaded;
    },
  );
  if (!model) {
    checks.skip('services and runtime checks', 'docker-compose.yml could not be read');
    return undefined;
  }
  await checks.check(
    'compose: the apps log in to NATS as the users nats-server.conf defines, with its passwords',
    () => {
      const nats = serviceEnvironment(model, 'nats');
      for (const [service, user, variable] of [
        ['control-plane', 'control-plane', 'CONTROL_PLANE_NATS_PASSWORD'],
        ['gateway', 'gateway', 'GATEWAY_NATS_PASSWORD'],
      ]) {
        const app = serviceEnvironment(model, service);
        assert(app.NATS_USER === user, `${service} logs in as ${app.NATS_USER}`);
        assert(
          app.NATS_PASSWORD !== '' && app.NATS_PASSWORD === nats[variable],
          `${service}'s password is not ${variable}`,
        );
      }
    },
  );
  return { model, env };
}

async function startServices(env) {
  const harness = await checks.check(
    '@weft/testing is built (packages/testing/dist)',
    () => import(pathToFileURL(join(root, 'packages', 'testing', 'dist', 'index.js')).href),
  );
  if (!harness) return undefined;
  // nats-server reads the passwords from its environment, as in the compose nats service.
  const natsPasswords = {
    'control-plane': env.CONTROL_PLANE_NATS_PASSWORD,
    gateway: env.GATEWAY_NATS_PASSWORD,
  };
  process.env.CONTROL_PLANE_NATS_PASSWORD = natsPasswords['control-plane'];
  process.env.GATEWAY_NATS_PASSWORD = natsPasswords.gateway;

  const started = await checks.check(
    'services start: PostgreSQL, nats-server with infra/nats/nats-server.conf, S3',
    async () => {
      const results = await Promise.allSettled([
        harness.startPostgres(),
        harness.startNats({ configFile: join(infra, 'nats', 'nats-server.conf') }),
        harness.startS3({ buckets: [env.S3_BUCKET] }),
      ]);
      for (const result of results)
        if (result.status === 'fulfilled') later(() => result.value.stop());
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
      return results.map((result) => result.value);
    },
  );
  if (!started) return undefined;
  const [postgres, nats, s3] = started;
  const roleReady = await checks.check(
    'postgres: the compose init SQL creates the non-superuser role and database weft',
    async () => {
      await createWeftDatabase(postgres.url, env.WEFT_DATABASE_PASSWORD);
      return true;
    },
  );
  if (!roleReady) return undefined;
  return { postgres, nats, s3, natsPasswords };
}

/** infra/postgres/weft-database.sql, as the postgres image's init script runs it with psql. */
async function createWeftDatabase(superuserUrl, password) {
  const { Client } = fromWorkspace('pg');
  const client = new Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    const sql = readFileSync(join(infra, 'postgres', 'weft-database.sql'), 'utf8')
      .replace(/^--.*$/gm, '')
      .replaceAll(":'weft_password'", client.escapeLiteral(password));
    // One statement at a time, as psql sends them: CREATE DATABASE refuses a transaction block.
    for (const statement of sql
      .split(/;\s*$/m)
      .map((s) => s.trim())
      .filter(Boolean))
      await client.query(statement);
    const { rows } = await client.query(
      `SELECT rolname, rolsuper, rolbypassrls, pg_has_role('weft', rolname, 'MEMBER') AS granted
       FROM pg_roles WHERE rolname IN ('weft', 'weft_tenant') ORDER BY rolname`,
    );
    assert(
      rows.length === 2 && rows.every((r) => r.rolsuper === false && r.rolbypassrls === false),
      'weft or weft_tenant is missing, a superuser, or bypasses RLS',
    );
    assert(rows[1].granted === true, 'weft cannot act as weft_tenant (row-level security role)');
  } finally {
    await client.end();
  }
}

/**
 * A compose service's environment pointed at the local services: the compose host names and
 * ports become loopback ones, the S3 key pair becomes the fake server's fixed one, and HTTP
 * servers listen on a free loopback port rather than 0.0.0.0. Everything else is compose's.
 */
async function harnessEnv(environment, { postgres, nats, s3 }) {
  const hosts = [
    ['@postgres:5432/', `@127.0.0.1:${postgres.port}/`],
    ['//nats:4222', `//127.0.0.1:${nats.port}`],
    ['//s3:8333', `//127.0.0.1:${s3.port}`],
  ];
  const env = {};
  for (const [key, value] of Object.entries(environment)) {
    env[key] = hosts.reduce((text, [from, to]) => text.replace(from, to), value);
  }
  for (const key of Object.keys(env)) {
    if (key.endsWith('_HOST') && env[key] === '0.0.0.0') env[key] = '127.0.0.1';
    if (key.endsWith('_PORT') && /^(CONTROL_PLANE|GATEWAY)_PORT$/.test(key))
      env[key] = String(await freePort());
  }
  if ('S3_ACCESS_KEY_ID' in env) {
    env.S3_ACCESS_KEY_ID = s3.accessKeyId;
    env.S3_SECRET_ACCESS_KEY = s3.secretAccessKey;
  }
  // Compose allows a minute for dependencies; here they are already up, and a failure should be quick.
  if ('STARTUP_TIMEOUT_SECONDS' in env) env.STARTUP_TIMEOUT_SECONDS = '10';
  return env;
}

function fromWorkspaceYaml() {
  return createRequire(join(root, 'apps', 'agent', 'package.json'))('yaml');
}
