import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The reader keeps one record and the unread part of one chunk, the writer nothing: 4× the
// records must not need more heap. Measured in a child process so that GC can be forced
// (--expose-gc) and jest's own memory stays out of it.
it('keeps heap flat whatever the document size (N vs 4N records through readXml → writeXml)', () => {
  const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--conditions=@weft/source',
      '--import',
      '@swc-node/register/esm-register',
      join(packageDir, 'test/fixtures/xml/memory-run.ts'),
      '10000',
      '40000',
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
  const small = peaks['10000'] as number;
  const large = peaks['40000'] as number;
  expect(small).toBeGreaterThan(0);
  // The 4N document is about 10 MB more text than the N one; a leak of 50 bytes a record would add 1.5 MB.
  expect(large - small).toBeLessThan(1024 * 1024);
  // A caller that keeps one 30-character field of each of 40,000 records (a 10 MB document) keeps
  // those fields, about 2 MB with the array, not the chunks they were read from.
  expect(peaks['retained']).toBeGreaterThan(0);
  expect(peaks['retained']).toBeLessThan(4 * 1024 * 1024);
}, 60_000);
