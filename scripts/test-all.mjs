#!/usr/bin/env node
// Runs every check and test of the workspace through turbo (format, lint, typecheck, build,
// unit and integration tests against real PostgreSQL, NATS and S3), then the container-content
// check, and closes with one line: "tests: N passed, N failed".
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pnpm = process.env.WEFT_PNPM ?? 'pnpm';
const workspaces = ['apps', 'packages'].flatMap((dir) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .map((entry) => join(root, dir, entry.name))
    .filter((path) => existsSync(join(path, 'package.json'))),
);

// Results of an earlier run must not be counted again.
for (const workspace of workspaces)
  rmSync(join(workspace, '.test-results'), { recursive: true, force: true });
rmSync(join(root, '.weft', 'deploy-smoke.json'), { force: true });

/**
 * Runs one step in its own process group, passing on the signals we receive so nothing
 * outlives an interrupted run. A step that outlives WEFT_TEST_TIMEOUT_MINUTES (default 30; a
 * healthy run takes a few minutes) is killed, group and all, and fails: a test process held
 * open by a leaked handle must fail CI quickly rather than hang it.
 */
const timeoutMs = Number(process.env.WEFT_TEST_TIMEOUT_MINUTES ?? 30) * 60_000;
let current;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(signal, () => current && process.kill(-current.pid, signal));
function step(command, args, env = process.env) {
  return new Promise((resolve) => {
    current = spawn(command, args, { cwd: root, stdio: 'inherit', env, detached: true });
    const timer = setTimeout(() => {
      process.stdout.write(
        `\n${command} ${args.slice(0, 3).join(' ')} still running after ${timeoutMs / 60_000} min: killed\n`,
      );
      process.kill(-current.pid, 'SIGKILL');
    }, timeoutMs);
    current.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
}

const turboArgs = ['exec', 'turbo', 'run', 'format:check', 'lint', 'typecheck', 'build', 'test'];
turboArgs.push('--concurrency=2', '--continue');
if (process.env.CI) turboArgs.push('--force', '--output-logs=full');
const turboStatus = await step(pnpm, [...turboArgs, ...process.argv.slice(2)]);

let deployStatus = 0;
if (turboStatus === 0) {
  deployStatus = await step(
    process.execPath,
    [join(root, 'infra', 'scripts', 'deploy-smoke.mjs')],
    {
      ...process.env,
      WEFT_PNPM: pnpm,
    },
  );
}

let passed = 0;
let failed = 0;
const missing = [];
for (const workspace of workspaces) {
  const manifest = JSON.parse(readFileSync(join(workspace, 'package.json'), 'utf8'));
  if (!manifest.scripts?.test) continue;
  const file = join(workspace, '.test-results', 'jest.json');
  if (!existsSync(file)) {
    missing.push(manifest.name);
    continue;
  }
  const result = JSON.parse(readFileSync(file, 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests + result.numRuntimeErrorTestSuites;
}
const smoke = join(root, '.weft', 'deploy-smoke.json');
if (existsSync(smoke)) {
  const result = JSON.parse(readFileSync(smoke, 'utf8'));
  passed += result.passed;
  failed += result.failed;
} else missing.push('infra deploy smoke');

// A workspace whose tests never reported (its global setup crashed, turbo stopped it) counts
// as a failure of its own, named, so a whole silent suite cannot hide behind other numbers.
if (missing.length > 0) process.stdout.write(`\nno test results from: ${missing.join(', ')}\n`);
failed += missing.length;
const ok = turboStatus === 0 && deployStatus === 0 && failed === 0 && passed > 0;
if (!ok && failed === 0) failed = 1;
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(ok ? 0 : 1);
