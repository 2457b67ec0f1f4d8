#!/usr/bin/env node
// Keeps only what an app needs at run time in a `pnpm deploy` output: its manifest, its build,
// its command wrapper and its production node_modules. Sources, tests and tool configs go.
// Used by every Dockerfile and by infra/scripts/deploy-smoke.mjs, so both ship the same files.
import { lstatSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RUNTIME_ENTRIES = ['package.json', 'dist', 'bin', 'node_modules', 'README.md'];

/** Removes every top-level entry of `dir` that is not a runtime entry; returns what it removed. */
export function pruneDeploy(dir) {
  const removed = [];
  for (const entry of readdirSync(dir)) {
    if (RUNTIME_ENTRIES.includes(entry)) continue;
    rmSync(join(dir, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return [...removed.sort(), ...removeWorkspaceLinks(dir)];
}

/**
 * `pnpm deploy --legacy` hoists a link to the deployed app itself into
 * node_modules/.pnpm/node_modules/, pointing back into the workspace it was deployed from.
 * Nothing resolves through it (the app is the deploy directory), and in an image it would
 * dangle: remove every hoisted link that leaves the deploy directory.
 */
function removeWorkspaceLinks(dir) {
  const hoisted = join(dir, 'node_modules', '.pnpm', 'node_modules');
  const removed = [];
  const visit = (folder) => {
    let entries;
    try {
      entries = readdirSync(folder);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry);
      if (entry.startsWith('@') && !lstatSync(path).isSymbolicLink()) {
        visit(path);
        continue;
      }
      if (!lstatSync(path).isSymbolicLink()) continue;
      const target = resolve(dirname(path), readlinkSync(path));
      const rel = relative(dir, target);
      if (rel.startsWith('..') || isAbsolute(rel)) {
        rmSync(path);
        removed.push(relative(dir, path));
      }
    }
  };
  visit(hoisted);
  return removed;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (dir === undefined) {
    process.stderr.write('usage: prune-deploy.mjs <deploy-dir>\n');
    process.exit(2);
  }
  const removed = pruneDeploy(resolve(dir));
  process.stdout.write(
    `prune-deploy: removed ${removed.length === 0 ? 'nothing' : removed.join(', ')}\n`,
  );
}
