import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackagingReport {
  esm: string[];
  cjs: string[];
}

/**
 * Imports a workspace package the way an outside consumer would: plain `node`, no
 * `@weft/source` condition, so the `exports` map resolves to the built `dist/`.
 * Both `import` (ESM) and `require` (CJS through Node's require(esm)) are exercised.
 * Returns the sorted export names seen by each loader.
 */
export function importBuiltPackage(packageLocation: string | URL): PackagingReport {
  const packageDir =
    typeof packageLocation === 'string' ? packageLocation : fileURLToPath(packageLocation);
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    name: string;
    types?: string;
  };
  if (manifest.types && !existsSync(join(packageDir, manifest.types))) {
    throw new Error(
      `${manifest.name}: declared types ${manifest.types} are missing; run the build first`,
    );
  }
  const name = JSON.stringify(manifest.name);
  // A clean environment: the test runner's NODE_OPTIONS (vm modules, conditions) must not leak in.
  const env = { PATH: process.env.PATH ?? '' };
  const esm = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${name}); console.log(JSON.stringify(Object.keys(m).filter(k => k !== 'default').sort()));`,
    ],
    { cwd: packageDir, env, encoding: 'utf8' },
  );
  const cjs = execFileSync(
    process.execPath,
    [
      '--input-type=commonjs',
      '--no-warnings',
      '-e',
      `const m = require(${name}); console.log(JSON.stringify(Object.keys(m).filter(k => k !== 'default' && k !== '__esModule' && k !== 'module.exports').sort()));`,
    ],
    { cwd: packageDir, env, encoding: 'utf8' },
  );
  return { esm: JSON.parse(esm) as string[], cjs: JSON.parse(cjs) as string[] };
}
