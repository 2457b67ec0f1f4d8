import { register } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HarnessError } from './errors.js';

const SWC_NODE_HOOKS = '@swc-node/register/esm';
let registered = false;

/**
 * Imports a TypeScript ES module natively, with `./x.js` specifiers resolving to `./x.ts`.
 *
 * For jest `globalSetup` files only. Jest compiles a TypeScript globalSetup to CommonJS and
 * loads it with plain `require`, outside its module registry: there, a relative import of
 * another .ts file fails ("Cannot find module './migrations.js'"). This helper lets the
 * setup's `migrate` load the app's own code, e.g.
 * `const { migrate } = await importTypeScript<typeof import('../src/db/migrate.js')>(join(__dirname, '../src/db/migrate.ts'))`.
 *
 * It installs `@swc-node/register`'s ESM hooks (resolved from the imported file's package,
 * so the app needs it as a devDependency; tsconfig.json is read from the working directory)
 * into the jest main process. Workspace packages imported from there resolve to their
 * built `dist/`, like every bare import of the globalSetup file itself.
 */
export async function importTypeScript<T = Record<string, unknown>>(
  modulePath: string,
): Promise<T> {
  const path = isAbsolute(modulePath) ? modulePath : resolve(modulePath);
  const url = pathToFileURL(path);
  if (!registered) {
    try {
      register(SWC_NODE_HOOKS, url);
    } catch (error) {
      throw new HarnessError(
        'INVALID_OPTIONS',
        `importTypeScript needs ${SWC_NODE_HOOKS} reachable from ${path}: add @swc-node/register as a devDependency (${(error as Error).message})`,
        { cause: error },
      );
    }
    registered = true;
  }
  return (await import(url.href)) as T;
}
