import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The pipeline holds no per-record state: 4× the records must not need more heap. Measured in
// a child process so that GC can be forced (--expose-gc) and jest's own memory stays out of it.
it('keeps heap flat whatever the number of records (N vs 4N through a mapping)', () => {
  const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--conditions=@weft/source',
      '--import',
      '@swc-node/register/esm-register',
      join(packageDir, 'test/fixtures/mapping/memory-run.ts'),
      '15000',
      '60000',
    ],
    {
      cwd: packageDir,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 60_000,
    },
  );
  expect(result.stderr).toBe('');
  const peaks = JSON.parse(result.stdout) as Record<string, number>;
  const small = peaks['15000'] as number;
  const large = peaks['60000'] as number;
  expect(small).toBeGreaterThan(0);
  // measured: a few tens of KB apart; a leak of 20 bytes per record would add 0.9 MB
  expect(large - small).toBeLessThan(512 * 1024);
}, 60_000);
