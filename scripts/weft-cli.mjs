#!/usr/bin/env node
// `pnpm weft …` / `pnpm demo`: the `weft` CLI from source, pointed at the `pnpm dev` stack —
// the API key `pnpm dev` made (in .weft/dev/cli, 0600) and its development environment —
// unless WEFT_CONFIG_DIR / WEFT_ENV say otherwise.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Resolved here, so the CLI can run in the caller's directory (relative paths are theirs).
const register = import.meta.resolve('@swc-node/register/esm-register');
const child = spawn(
  process.execPath,
  [
    '--conditions=@weft/source',
    '--import',
    register,
    '--no-warnings',
    join(root, 'apps', 'cli', 'src', 'main.ts'),
    ...process.argv.slice(2),
  ],
  {
    cwd: process.env.INIT_CWD ?? process.cwd(),
    stdio: 'inherit',
    env: {
      ...process.env,
      WEFT_CONFIG_DIR: process.env.WEFT_CONFIG_DIR ?? join(root, '.weft', 'dev', 'cli'),
      WEFT_ENV: process.env.WEFT_ENV ?? 'development',
      // The TypeScript settings of the CLI, whatever the working directory.
      SWC_NODE_PROJECT: join(root, 'apps', 'cli', 'tsconfig.json'),
    },
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
