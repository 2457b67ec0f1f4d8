// Jest compiles this file to CommonJS and loads it outside its module registry, so bare
// imports resolve the way plain Node resolves them ('@weft/testing' is the built dist/),
// and relative imports of other .ts files go through importTypeScript (see the README).
import { fileURLToPath } from 'node:url';
import { createGlobalSetup, importTypeScript } from '@weft/testing';

type ProbeMigration = typeof import('./fixtures/probe-migration.js');

export default createGlobalSetup({
  postgres: true,
  nats: true,
  s3: { buckets: ['harness-probe'] },
  migrate: async (databaseUrl) => {
    const migration = fileURLToPath(new URL('./fixtures/probe-migration.ts', import.meta.url));
    const { migrate } = await importTypeScript<ProbeMigration>(migration);
    await migrate(databaseUrl);
  },
});
