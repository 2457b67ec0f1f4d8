// `pnpm dev`: the whole stack on embedded defaults, in watch mode.
// Starts PostgreSQL, nats-server (JetStream) and an S3-compatible server unless DATABASE_URL,
// NATS_URL or S3_ENDPOINT point at real ones; migrates; bootstraps the first organization and
// administrator; starts control plane, gateway and agent; Ctrl-C stops everything it started.
// The gateway serves HTTPS with a certificate from a local CA kept in .weft/dev/tls, so the
// agent talks to it the way it does in production; WEFT_DEV_CONTROL_PLANE_TLS=true does the
// same for the control plane (the browser must then trust .weft/dev/tls/ca.pem).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { prepareDevAgent } from './dev-agent.js';
import { loadDemo } from './dev-demo.js';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generateLocalKek } from '@weft/crypto';
import {
  SOURCE_LOADER_ARGS,
  ensureDevTls,
  startNats,
  startPostgres,
  startS3Process,
  waitForHttpStatus,
} from '@weft/testing';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const devDir = join(root, '.weft', 'dev');
const ports = {
  controlPlane: Number(process.env.CONTROL_PLANE_PORT ?? 3000),
  gateway: Number(process.env.GATEWAY_PORT ?? 3100),
  postgres: Number(process.env.WEFT_DEV_POSTGRES_PORT ?? 5433),
  nats: Number(process.env.WEFT_DEV_NATS_PORT ?? 4222),
  s3: Number(process.env.WEFT_DEV_S3_PORT ?? 4569),
  agentHealth: Number(process.env.WEFT_DEV_AGENT_HEALTH_PORT ?? 3200),
};
const ADMIN_EMAIL = process.env.WEFT_BOOTSTRAP_ADMIN_EMAIL ?? 'admin@weft.local';

const colours = { 'control-plane': 36, gateway: 35, agent: 33, stack: 32 } as const;
type Source = keyof typeof colours;

function say(source: Source, text: string): void {
  const tag = process.stdout.isTTY
    ? `\x1b[${colours[source]}m${source.padEnd(13)}\x1b[0m`
    : source.padEnd(13);
  for (const line of text.split('\n'))
    if (line.trim() !== '') process.stdout.write(`${tag} ${prettify(line)}\n`);
}

/** JSON log lines become `level msg {fields}` for people; anything else passes through. */
function prettify(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const {
      v: _v,
      time,
      level,
      service: _service,
      msg,
      ...fields
    } = JSON.parse(line) as Record<string, unknown>;
    const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    return `${String(time).slice(11, 19)} ${String(level).toUpperCase().padEnd(5)} ${String(msg)}${extra}`;
  } catch {
    return line;
  }
}

const stops: Array<() => Promise<void>> = [];
const children: ChildProcess[] = [];
let shutdown: Promise<never> | undefined;

/** Stops the apps first, then the services, once; later calls wait for the same shutdown. */
function stopAll(code: number): Promise<never> {
  shutdown ??= (async () => {
    say('stack', 'stopping…');
    await Promise.all(children.map(stopChild));
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) =>
        say('stack', `stop failed: ${(error as Error).message}`),
      );
    }
    say('stack', 'stopped; nothing left running');
    process.exit(code);
  })();
  return shutdown;
}

/**
 * Each app runs as `node --watch` in its own process group. SIGTERM goes to the watcher only,
 * which passes it on to the app (signalling the whole group would deliver it twice); whatever
 * is still alive after 10 s is killed, group and all.
 */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
      return resolve();
    const pid = child.pid;
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function startApp(
  source: Exclude<Source, 'stack'>,
  args: string[],
  env: NodeJS.ProcessEnv,
): ChildProcess {
  const cwd = join(root, 'apps', source);
  const child = spawn(
    process.execPath,
    ['--watch', ...SOURCE_LOADER_ARGS, '--no-warnings', ...args],
    { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => say(source, chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => say(source, chunk));
  child.on('exit', (code, signal) => {
    // A crash of the app itself keeps `node --watch` waiting for a saved file; this is the watcher.
    if (shutdown === undefined)
      say(source, `stopped (${signal ?? code}); restart \`pnpm dev\` to bring it back`);
  });
  children.push(child);
  return child;
}

/** Runs a control-plane command to completion (migrate, bootstrap) and returns its stdout. */
function controlPlaneCommand(args: string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync(
    process.execPath,
    [...SOURCE_LOADER_ARGS, '--no-warnings', 'src/main.ts', ...args],
    { cwd: join(root, 'apps', 'control-plane'), env, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    say('control-plane', result.stderr || result.stdout);
    throw new Error(`control-plane ${args[0]} failed`);
  }
  return result.stdout;
}

async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The development key-encryption key: generated once into .weft/dev/kek (0600, git-ignored) and
 * kept, because the data keys in the development database are wrapped with it.
 */
function ensureDevKek(): string {
  const file = join(devDir, 'kek');
  if (!existsSync(file)) {
    writeFileSync(file, `${generateLocalKek()}\n`, { mode: 0o600, flag: 'wx' });
    say('stack', 'generated a key-encryption key in .weft/dev/kek (keep it with the database)');
  }
  chmodSync(file, 0o600);
  return file;
}

/** The gateways' token-signing key, generated once (0600) and kept with the dev data. */
function ensureDevGatewayKey(): string {
  const file = join(devDir, 'gateway-token-key');
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return file;
}

/** The admin's password is generated on first bootstrap and kept (0600) so later runs can show it. */
function rememberAdmin(output: string): { email: string; password?: string } {
  const file = join(devDir, 'admin.json');
  const result = JSON.parse(output.trim().split('\n').pop() ?? '{}') as {
    admin: { email: string; generatedPassword?: string };
  };
  if (result.admin.generatedPassword !== undefined) {
    writeFileSync(
      file,
      JSON.stringify({ email: result.admin.email, password: result.admin.generatedPassword }),
      {
        mode: 0o600,
      },
    );
    chmodSync(file, 0o600);
  }
  if (existsSync(file))
    return JSON.parse(readFileSync(file, 'utf8')) as { email: string; password?: string };
  return { email: result.admin.email };
}

/**
 * The local CA and the localhost certificate it issued, made once into .weft/dev/tls (keys
 * 0600) and kept, so an agent or browser told to trust the CA keeps trusting it.
 */
async function ensureDevCertificates(): Promise<{
  caFile: string;
  certFile: string;
  keyFile: string;
}> {
  const tls = await ensureDevTls(join(devDir, 'tls'));
  if (tls.created.includes('ca'))
    say(
      'stack',
      'created a local certificate authority in .weft/dev/tls/ca.pem (trust it in clients)',
    );
  if (tls.created.includes('server'))
    say(
      'stack',
      'issued a certificate for localhost, 127.0.0.1 and ::1 in .weft/dev/tls/server.pem',
    );
  return tls;
}

function writeAgentConfig(caFile: string, groupId: string): string {
  const file = join(devDir, 'agent.yaml');
  mkdirSync(join(devDir, 'agent'), { recursive: true });
  writeFileSync(
    file,
    [
      '# Written by `pnpm dev` on every start: a private agent of the development group.',
      `gatewayUrl: https://127.0.0.1:${ports.gateway}`,
      // The gateway's certificate comes from the local development CA.
      `caFile: ${caFile}`,
      'agentName: dev-agent',
      `agentGroupId: ${groupId}`,
      `stateDir: ${join(devDir, 'agent', 'state')}`,
      `workDir: ${join(devDir, 'agent', 'work')}`,
      `logDir: ${join(devDir, 'agent', 'logs')}`,
      `healthPort: ${ports.agentHealth}`,
      '',
    ].join('\n'),
  );
  return file;
}

async function main(): Promise<void> {
  // SIGHUP: the terminal went away. Everything started here is stopped in each case.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => void stopAll(0));
  mkdirSync(devDir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' };
  // HTTPS is decided per app below, with the development certificate.
  for (const name of ['TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_KEY_PASSPHRASE_FILE']) delete env[name];
  const tls = await ensureDevCertificates();
  const httpsWith = { TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile };
  const controlPlaneTls = process.env.WEFT_DEV_CONTROL_PLANE_TLS === 'true';
  const controlPlaneUrl = `${controlPlaneTls ? 'https' : 'http'}://127.0.0.1:${ports.controlPlane}`;
  const gatewayUrl = `https://127.0.0.1:${ports.gateway}`;
  const ca = readFileSync(tls.caFile, 'utf8');

  const embedded: { postgres?: string; s3?: boolean } = {};
  if (!env.DATABASE_URL) {
    say(
      'stack',
      `starting embedded PostgreSQL on 127.0.0.1:${ports.postgres} (data in .weft/dev/postgres)`,
    );
    const postgres = await startPostgres({
      dataDir: join(devDir, 'postgres'),
      port: ports.postgres,
      persistent: true,
    });
    stops.push(() => postgres.stop());
    embedded.postgres = postgres.url;
    env.DATABASE_URL = await ensureDatabase(postgres.url, 'weft');
  } else say('stack', 'using PostgreSQL from DATABASE_URL');

  if (!env.NATS_URL) {
    say(
      'stack',
      `starting nats-server with JetStream on 127.0.0.1:${ports.nats} (store in .weft/dev/nats)`,
    );
    const nats = await startNats({ storeDir: join(devDir, 'nats'), port: ports.nats });
    stops.push(() => nats.stop());
    env.NATS_URL = nats.url;
  } else say('stack', 'using NATS from NATS_URL');

  if (!env.S3_ENDPOINT) {
    say(
      'stack',
      `starting the local S3-compatible server on 127.0.0.1:${ports.s3} (objects in .weft/dev/s3)`,
    );
    const s3 = await startS3Process({
      dir: join(devDir, 's3'),
      port: ports.s3,
      buckets: [env.S3_BUCKET ?? 'weft'],
    });
    stops.push(() => s3.stop());
    embedded.s3 = true;
    Object.assign(env, {
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    });
  } else say('stack', 'using S3 from S3_ENDPOINT');

  if (!env.WEFT_KEK && !env.WEFT_KEK_FILE && (env.WEFT_KEK_PROVIDER ?? 'local') === 'local') {
    env.WEFT_KEK_FILE = ensureDevKek();
  }

  say('control-plane', controlPlaneCommand(['migrate'], env));
  const admin = rememberAdmin(
    controlPlaneCommand(['bootstrap', '--json'], {
      ...env,
      WEFT_BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
    }),
  );

  startApp('control-plane', ['src/main.ts'], {
    ...env,
    CONTROL_PLANE_PORT: String(ports.controlPlane),
    // Plain HTTP on loopback by default, so a browser signs in without trusting the local CA;
    // over plain HTTP a Secure cookie would never come back.
    ...(controlPlaneTls
      ? { ...httpsWith, WEFT_PUBLIC_URL: env.WEFT_PUBLIC_URL ?? controlPlaneUrl }
      : {}),
    WEFT_COOKIE_SECURE: env.WEFT_COOKIE_SECURE ?? String(controlPlaneTls),
    // Mail (verification, reset, invitation links) lands as .eml files instead of being sent.
    WEFT_MAIL_DIRECTORY: env.WEFT_MAIL_DIRECTORY ?? join(devDir, 'mail'),
    // A local identity provider (Keycloak, Dex…) for trying single sign-on.
    WEFT_SSO_ALLOW_LOOPBACK_ISSUERS: env.WEFT_SSO_ALLOW_LOOPBACK_ISSUERS ?? 'true',
  });
  startApp('gateway', ['src/main.ts'], {
    ...env,
    ...httpsWith,
    GATEWAY_PORT: String(ports.gateway),
    ...(env.GATEWAY_TOKEN_KEY ? {} : { GATEWAY_TOKEN_KEY_FILE: ensureDevGatewayKey() }),
  });
  await waitForHttpStatus(`${controlPlaneUrl}/ready`, 200, 120_000, { ca });
  await waitForHttpStatus(`${gatewayUrl}/ready`, 200, 120_000, { ca });
  // The local agent: enrolled once in the "local" group of the development environment with a
  // one-time token minted through the API as the administrator; later starts reuse its identity.
  const agentDir = join(devDir, 'agent');
  mkdirSync(agentDir, { recursive: true });
  const enrolment = await prepareDevAgent({
    controlPlaneUrl,
    ...(ca !== undefined ? { ca } : {}),
    admin,
    agentDir,
    identityFile: join(agentDir, 'state', 'identity.json'),
  });
  if (typeof enrolment === 'string') {
    say('agent', `not started: ${enrolment}`);
  } else {
    startApp(
      'agent',
      ['src/main.ts', '--config', writeAgentConfig(tls.caFile, enrolment.groupId)],
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        WEFT_AGENT_LOG_LEVEL: env.LOG_LEVEL,
        ...(enrolment.enrolmentToken
          ? { WEFT_AGENT_ENROLMENT_TOKEN: enrolment.enrolmentToken }
          : {}),
      },
    );
    await waitForHttpStatus(`http://127.0.0.1:${ports.agentHealth}/health`, 200, 120_000);
  }

  // The demo project (CSV in S3 → mapping → PostgreSQL), only on the embedded services: it
  // makes a bucket and a database of its own.
  const demo =
    embedded.postgres && embedded.s3
      ? await loadDemo({
          root,
          devDir,
          controlPlaneUrl,
          ca,
          admin,
          databaseUrl: embedded.postgres,
          s3: {
            endpoint: env.S3_ENDPOINT!,
            region: env.S3_REGION!,
            accessKeyId: env.S3_ACCESS_KEY_ID!,
            secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
          },
        }).catch((error: unknown) => `${(error as Error).message}`)
      : 'DATABASE_URL or S3_ENDPOINT point at your own services';

  say(
    'stack',
    [
      '',
      'Weft is running:',
      `  control plane  ${controlPlaneUrl}   (OpenAPI: /api/docs, readiness: /ready)`,
      `  gateway        ${gatewayUrl}   (HTTPS, certificate from the local CA)`,
      `  local CA       ${tls.caFile}   (agents trust it with caFile; curl --cacert)`,
      typeof enrolment === 'string'
        ? `  agent          not started (${enrolment})`
        : `  agent          group "local" (${enrolment.groupId}), health at http://127.0.0.1:${ports.agentHealth}/health`,
      `  sign in as     ${admin.email}`,
      admin.password !== undefined
        ? `  password       ${admin.password}   (generated on first start; kept in .weft/dev/admin.json)`
        : '  password       the one set by WEFT_BOOTSTRAP_ADMIN_PASSWORD on first start',
      typeof demo === 'string'
        ? `  demo           not loaded (${demo})`
        : [
            '  demo           project orders-sync deployed to the development environment:',
            '                 pnpm demo          runs it (CSV in S3 → mapping → PostgreSQL) and waits',
            '                 pnpm weft logs     its activity (or GET /api/v1/environments/' +
              `${demo.environmentId}/activity)`,
          ].join('\n'),
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  // A failure caused by a shutdown already under way just waits for it to finish.
  if (shutdown === undefined)
    say('stack', `failed: ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});
