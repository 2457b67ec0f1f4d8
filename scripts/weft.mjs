#!/usr/bin/env node
// Weft's entry point for newcomers and CI: `npm run dev` / `npm test` (or `pnpm dev` / `pnpm test`).
// Runs with nothing but Node and npm installed: it installs pnpm (locally, no root needed), the
// nats-server binary where missing (Debian/Ubuntu via apt-get when run as root or with sudo),
// and the workspace's dependencies, then hands over to the dev stack or the test suite.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(root, '.weft', 'tools');
const PNPM_VERSION = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
).packageManager.split('@')[1];

function fail(message) {
  process.stderr.write(`weft: ${message}\n`);
  process.exit(1);
}

function say(message) {
  process.stdout.write(`weft: ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function probe(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Node ${process.versions.node} is too old: Weft needs Node 20.19 or newer`);
  }
}

/**
 * Runs the long-lived step (the dev stack, the test suite) and passes on the signals this
 * process receives — an IDE's stop button or `kill` reaches only us — then exits as it did.
 */
function handOver(args, env = process.env) {
  const child = spawn(process.execPath, args, { stdio: 'inherit', cwd: root, env });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** pnpm from PATH when it is version 10+, otherwise a private copy under .weft/tools. */
function ensurePnpm() {
  const local = join(toolsDir, 'node_modules', '.bin', 'pnpm');
  if (existsSync(local)) return local;
  const global = probe('pnpm', ['--version']);
  if (global && Number(global.split('.')[0]) >= 10) return 'pnpm';
  say(`installing pnpm ${PNPM_VERSION} under .weft/tools`);
  mkdirSync(toolsDir, { recursive: true });
  const status = run('npm', [
    'install',
    '--prefix',
    toolsDir,
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `pnpm@${PNPM_VERSION}`,
  ]);
  if (status !== 0 || !existsSync(local)) fail('installing pnpm with npm failed (see above)');
  return local;
}

/** nats-server is a Go binary that no npm package ships: take it from the system's packages. */
function ensureNatsServer() {
  const configured = process.env.NATS_SERVER_BIN;
  if (configured) {
    if (!existsSync(configured))
      fail(`NATS_SERVER_BIN points to ${configured}, which does not exist`);
    return;
  }
  // Debian installs it in /usr/sbin, which is not on a normal user's PATH (the harness looks there too).
  const found = () =>
    probe('nats-server', ['--version']) ||
    ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/opt/homebrew/bin'].some((dir) =>
      existsSync(join(dir, 'nats-server')),
    );
  if (found()) return;
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = !asRoot && probe('sudo', ['-n', 'true']) !== undefined;
  if (!probe('apt-get', ['--version']) || (!asRoot && !sudo)) {
    fail(
      'nats-server is not installed. Install it (Debian/Ubuntu: apt-get install -y nats-server; ' +
        'macOS: brew install nats-server; or download it from the NATS project) or set NATS_SERVER_BIN.',
    );
  }
  say('installing nats-server with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) =>
    asRoot ? run('apt-get', args, { env }) : run('sudo', ['-n', 'apt-get', ...args], { env });
  if (apt(['update', '-qq']) !== 0 || apt(['install', '-y', '-qq', 'nats-server']) !== 0) {
    fail('apt-get could not install nats-server (see above)');
  }
  if (!found()) fail('nats-server is still not found after installing it');
}

/** Installs the workspace when the lockfile changed since the last install. */
function ensureDependencies(pnpm) {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lockfile = join(root, 'pnpm-lock.yaml');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lockfile).mtimeMs) return;
  say('installing dependencies');
  const status = run(pnpm, ['install', '--frozen-lockfile', '--reporter=append-only'], {
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (status !== 0) fail('pnpm install failed (see above)');
}

const command = process.argv[2];
const rest = process.argv.slice(3);
checkNode();
switch (command) {
  case 'dev': {
    const pnpm = ensurePnpm();
    if (!process.env.NATS_URL) ensureNatsServer();
    ensureDependencies(pnpm);
    handOver([
      '--conditions=@weft/source',
      '--import',
      '@swc-node/register/esm-register',
      '--no-warnings=ExperimentalWarning',
      join(root, 'scripts', 'dev-stack.ts'),
      ...rest,
    ]);
    break;
  }
  case 'test': {
    const pnpm = ensurePnpm();
    ensureNatsServer();
    ensureDependencies(pnpm);
    handOver([join(root, 'scripts', 'test-all.mjs'), ...rest], { ...process.env, WEFT_PNPM: pnpm });
    break;
  }
  default:
    fail('usage: node scripts/weft.mjs dev|test');
}
