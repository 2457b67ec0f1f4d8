// Jest loads this outside its module registry: bare imports resolve to built dist/, and the
// app's own TypeScript is loaded through importTypeScript (see packages/testing/README.md).
import { fileURLToPath } from 'node:url';
import { createGlobalSetup, importTypeScript } from '@weft/testing';

type DataSourceModule = typeof import('../src/database/data-source.js');

export default createGlobalSetup({
  postgres: true,
  nats: true,
  s3: { buckets: ['weft'] },
  migrate: async (databaseUrl) => {
    const path = fileURLToPath(new URL('../src/database/data-source.ts', import.meta.url));
    const { migrate } = await importTypeScript<DataSourceModule>(path);
    await migrate(databaseUrl);
  },
});
