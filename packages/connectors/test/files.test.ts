import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesConnector, type FilesConfig } from '../src/index.js';
import { batchesOf, collect, failure, testContext } from './context.js';

let base: string;
let root: string;
let outside: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'weft-files-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(join(root, 'in'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'private.ndjson'), '{"secret":true}\n');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const config = (extra: Record<string, unknown>): FilesConfig =>
  filesConnector.validate({ root, path: 'out.ndjson', format: 'ndjson', ...extra });
const records = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `n${i + 1}` }));

it('is private-only and refuses a cloud agent', async () => {
  expect(filesConnector.privateOnly).toBe(true);
  const read = await failure(() =>
    collect(filesConnector.read!(config({}), testContext({ agentKind: 'cloud' }))),
  );
  expect(read.code).toBe('private_only');
  const write = await failure(() =>
    filesConnector.write!(
      config({}),
      batchesOf(records(1), 1),
      testContext({ agentKind: 'cloud' }),
    ),
  );
  expect(write.code).toBe('private_only');
});

it('refuses absolute paths and .. at validation', () => {
  expect(() => config({ path: '../outside/private.ndjson' })).toThrow(/path/);
  expect(() => config({ path: 'in/../../outside' })).toThrow(/path/);
  expect(() => config({ path: '/etc/passwd' })).toThrow(/path/);
  expect(() => config({ root: 'relative' })).toThrow(/root/);
});

it('refuses a symlink that leads out of the root, for reading and writing', async () => {
  symlinkSync(join(outside, 'private.ndjson'), join(root, 'link.ndjson'));
  symlinkSync(outside, join(root, 'linkdir'));
  const read = await failure(() =>
    collect(filesConnector.read!(config({ path: 'link.ndjson' }), testContext({}))),
  );
  expect(read.code).toBe('invalid_config');
  const viaDir = await failure(() =>
    collect(filesConnector.read!(config({ path: 'linkdir/private.ndjson' }), testContext({}))),
  );
  expect(viaDir.code).toBe('invalid_config');
  const write = await failure(() =>
    filesConnector.write!(
      config({ path: 'link.ndjson' }),
      batchesOf(records(1), 1),
      testContext({}),
    ),
  );
  expect(write.code).toBe('invalid_config');
  expect(readFileSync(join(outside, 'private.ndjson'), 'utf8')).toBe('{"secret":true}\n');
  rmSync(join(root, 'link.ndjson'));
  rmSync(join(root, 'linkdir'));
});

describe.each(['ndjson', 'json', 'csv'] as const)('%s', (format) => {
  it('writes a file atomically and reads it back in batches', async () => {
    const path = `in/data.${format}`;
    const summary = await filesConnector.write!(
      config({ path, format }),
      batchesOf(records(1200), 500),
      testContext({}),
    );
    expect(summary).toEqual({ written: 1200, failed: 0 });
    expect(readdirSync(join(root, 'in')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const batches = await collect(
      filesConnector.read!(config({ path, format, batchSize: 500 }), testContext({})),
    );
    expect(batches.map((batch) => batch.length)).toEqual([500, 500, 200]);
    const expected =
      format === 'csv'
        ? records(1200).map((r) => ({ id: String(r.id), name: r.name }))
        : records(1200);
    expect(batches.flat()).toEqual(expected);
  });
});

it('reads every file of a directory in name order', async () => {
  mkdirSync(join(root, 'dir'));
  writeFileSync(join(root, 'dir', 'b.ndjson'), '{"id":2}\n');
  writeFileSync(join(root, 'dir', 'a.ndjson'), '{"id":1}\n');
  const batches = await collect(filesConnector.read!(config({ path: 'dir' }), testContext({})));
  expect(batches.flat()).toEqual([{ id: 1 }, { id: 2 }]);
});

it('keeps an existing file when overwrite is false', async () => {
  writeFileSync(join(root, 'keep.ndjson'), 'old\n');
  const error = await failure(() =>
    filesConnector.write!(
      config({ path: 'keep.ndjson', overwrite: false }),
      batchesOf(records(2), 2),
      testContext({}),
    ),
  );
  expect(error.code).toBe('invalid_config');
  expect(readFileSync(join(root, 'keep.ndjson'), 'utf8')).toBe('old\n');
});

it('leaves the previous file untouched when a write is cancelled', async () => {
  writeFileSync(join(root, 'stable.ndjson'), '{"id":0}\n');
  const abort = new AbortController();
  async function* endless() {
    for (let i = 0; ; i += 1) {
      if (i === 3) abort.abort();
      yield records(10);
    }
  }
  const error = await failure(() =>
    filesConnector.write!(
      config({ path: 'stable.ndjson' }),
      endless(),
      testContext({ signal: abort.signal }),
    ),
  );
  expect(error.code).toBe('cancelled');
  expect(readFileSync(join(root, 'stable.ndjson'), 'utf8')).toBe('{"id":0}\n');
});
