#!/usr/bin/env node
// Runs every check and test of the workspace through turbo (lint, typecheck, build, unit and
// integration tests against real PostgreSQL, NATS and S3), then the container-content check,
// and closes with one line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pnpm = process.env.WEFT_PNPM ?? 'pnpm';
const workspaces = ['apps', 'packages'].flatMap((dir) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(join(root, dir, entry.name, 'package.json')),
    )
    .map((entry) => join(root, dir, entry.name)),
);

// Results of an earlier run must not be counted again.
for (const workspace of workspaces)
  rmSync(join(workspace, '.test-results'), { recursive: true, force: true });
rmSync(join(root, '.weft', 'deploy-smoke.json'), { force: true });

const turboArgs = [
  'exec',
  'turbo',
  'run',
  'format:check',
  'lint',
  'typecheck',
  'build',
  'test',
  '--concurrency=2',
  '--continue',
];
if (process.env.CI) turboArgs.push('--force', '--output-logs=full');
const turbo = spawnSync(pnpm, [...turboArgs, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});

let deployStatus = 0;
if (turbo.status === 0) {
  deployStatus =
    spawnSync(process.execPath, [join(root, 'infra', 'scripts', 'deploy-smoke.mjs')], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, WEFT_PNPM: pnpm },
    }).status ?? 1;
}

let passed = 0;
let failed = 0;
for (const workspace of workspaces) {
  const file = join(workspace, '.test-results', 'jest.json');
  if (!existsSync(file)) continue;
  const result = JSON.parse(readFileSync(file, 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests + result.numRuntimeErrorTestSuites;
}
const smoke = join(root, '.weft', 'deploy-smoke.json');
if (existsSync(smoke)) {
  const result = JSON.parse(readFileSync(smoke, 'utf8'));
  passed += result.passed;
  failed += result.failed;
}
const ok = turbo.status === 0 && deployStatus === 0 && failed === 0 && passed > 0;
if (!ok && failed === 0) failed = 1; // a crashed step counts as a failure even without a test result
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(ok ? 0 : 1);
