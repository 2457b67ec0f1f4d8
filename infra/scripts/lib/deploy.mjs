// `pnpm deploy` of one app, exactly as the Dockerfiles do it, and the checks that its output is a
// self-contained production package: what the runtime image copies and nothing it would miss.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, parse, relative, sep } from 'node:path';
import { pruneDeploy } from '../../docker/prune-deploy.mjs';
import { assert } from './checklist.mjs';

/**
 * `pnpm --filter <app> deploy --prod --legacy <outDir>`, then the same pruning as the Dockerfiles.
 * `--legacy`: see infra/README.md ("Why pnpm deploy --legacy").
 */
export async function deployApp({ root, pnpm, packageName, outDir }) {
  const args = ['--filter', packageName, 'deploy', '--prod', '--legacy', outDir];
  const { code, output } = await run(pnpm, args, { cwd: root });
  assert(code === 0, `pnpm ${args.join(' ')} exited with ${code}: ${output.slice(-1500)}`);
  pruneDeploy(outDir);
}

/**
 * The deploy directory stands on its own: node_modules of its own, no node_modules in any parent
 * directory Node could fall back to, and no symlink that leaves it (Docker would copy such a link
 * as a dangling one). Every @weft/* dependency is a real directory inside it, with its build.
 */
export function assertSelfContained(dir, manifest) {
  assert(statSync(join(dir, 'node_modules')).isDirectory(), 'no node_modules of its own');
  for (let parent = dirname(dir); parent !== dirname(parent); parent = dirname(parent)) {
    assert(
      !existsSync(join(parent, 'node_modules')),
      `${parent}/node_modules would be on the module path`,
    );
  }
  const escaping = symlinksLeaving(join(dir, 'node_modules'), dir);
  assert(
    escaping.length === 0,
    `symlinks leave the deploy directory: ${escaping.slice(0, 5).join(', ')}`,
  );

  const workspaceDeps = Object.keys(manifest.dependencies ?? {}).filter((name) =>
    name.startsWith('@weft/'),
  );
  for (const name of workspaceDeps) {
    const link = join(dir, 'node_modules', ...name.split('/'));
    const real = realpathSync(link);
    assert(isInside(real, dir), `${name} resolves outside the deploy directory (${real})`);
    assert(statSync(real).isDirectory(), `${name} is not a directory`);
    const pkg = JSON.parse(readFileSync(join(real, 'package.json'), 'utf8'));
    const entry = pkg.exports?.['.']?.default ?? pkg.main;
    assert(
      typeof entry === 'string' && entry.startsWith('./dist/'),
      `${name} has no dist entry point`,
    );
    assert(existsSync(join(real, entry)), `${name}: ${entry} is missing (was it built?)`);
    assert(
      !existsSync(join(real, 'src')),
      `${name} ships its src/ (its "files" should list dist only)`,
    );
  }
  return workspaceDeps;
}

/** No package the app lists as a devDependency was installed. */
export function assertNoDevDependencies(dir, manifest) {
  const installed = installedPackages(dir).map((p) => p.name);
  const dev = Object.keys(manifest.devDependencies ?? {}).filter((name) =>
    installed.includes(name),
  );
  assert(dev.length === 0, `dev dependencies were deployed: ${dev.join(', ')}`);
}

/** Every installed third-party package is at a version pinned by the workspace's pnpm-lock.yaml. */
export function assertLockedVersions(dir, lockfileText) {
  const locked = lockedPackageKeys(lockfileText);
  const packages = installedPackages(dir).filter((p) => !p.workspace);
  assert(packages.length > 0, 'no third-party packages found');
  const unlocked = packages.map((p) => `${p.name}@${p.version}`).filter((key) => !locked.has(key));
  assert(unlocked.length === 0, `not in pnpm-lock.yaml: ${unlocked.slice(0, 10).join(', ')}`);
  return packages.length;
}

/** Runs a command, collecting its output; never throws for a non-zero exit. */
export function run(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? signal, output }));
  });
}

/** The packages in pnpm's virtual store (node_modules/.pnpm/<name>@<version>[_peers]/node_modules/<name>). */
function installedPackages(dir) {
  const store = join(dir, 'node_modules', '.pnpm');
  return readdirSync(store, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
    .map((entry) => {
      const at = entry.name.indexOf('@', 1);
      const name = entry.name.slice(0, at).replace('+', '/');
      const pkg = JSON.parse(
        readFileSync(
          join(store, entry.name, 'node_modules', ...name.split('/'), 'package.json'),
          'utf8',
        ),
      );
      return {
        name: pkg.name,
        version: pkg.version,
        workspace: entry.name.slice(at + 1).startsWith('file+'),
      };
    });
}

/** `name@version` keys of the lockfile's `packages:` section. */
function lockedPackageKeys(lockfileText) {
  const keys = new Set();
  let inPackages = false;
  for (const line of lockfileText.split('\n')) {
    if (/^\S/.test(line)) inPackages = line.startsWith('packages:');
    const key = inPackages ? /^ {2}'?([^'\s][^']*?)'?:\s*$/.exec(line)?.[1] : undefined;
    if (key !== undefined) keys.add(key);
  }
  return keys;
}

function symlinksLeaving(start, boundary) {
  const leaving = [];
  const walk = (directory) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isSymbolicLink()) {
        let target;
        try {
          target = realpathSync(path);
        } catch {
          leaving.push(`${relative(boundary, path)} (dangling)`);
          continue;
        }
        if (!isInside(target, boundary)) leaving.push(relative(boundary, path));
      } else if (entry.isDirectory()) {
        walk(path);
      }
    }
  };
  walk(start);
  return leaving;
}

function isInside(path, directory) {
  const rel = relative(realpathSync(directory), path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !parse(rel).root);
}
