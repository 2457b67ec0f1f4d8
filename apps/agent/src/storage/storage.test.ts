import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentRunError } from '../runs/agent-run.error.js';
import { makeTempDir } from '../../test/support/fixtures.js';
import { pruneExpiredAgentLogs } from './log-retention.js';
import { WorkDirectory } from './work-directory.js';

let root: string;
let removeRoot: () => Promise<void>;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
});
afterEach(() => removeRoot());

describe('WorkDirectory', () => {
  it('creates a private folder and sweeps only run folders left by a crash', async () => {
    const work = new WorkDirectory(join(root, 'work'));
    await work.prepare();
    expect((await stat(work.path)).mode & 0o777).toBe(0o700);
    const leftover = await work.createRunDirectory();
    await writeFile(join(leftover, 'batch.csv'), 'id\n1\n');
    await writeFile(join(work.path, 'operator-notes.txt'), 'keep me');

    expect(await work.sweep()).toBe(1);
    expect(await readdir(work.path)).toEqual(['operator-notes.txt']);
  });

  it('refuses to delete anything that is not one of its run folders', async () => {
    const work = new WorkDirectory(join(root, 'work'));
    await work.prepare();
    await mkdir(join(root, 'run-elsewhere'));
    const error: unknown = await work
      .removeRunDirectory(join(root, 'run-elsewhere'))
      .catch((caught: unknown) => caught);
    expect(AgentRunError.is(error) && error.code).toBe('run-directory-outside-work-dir');
    await expect(work.removeRunDirectory(join(work.path, 'notes'))).rejects.toThrow(
      'not a run folder',
    );
    expect(await readdir(root)).toContain('run-elsewhere');
  });
});

describe('pruneExpiredAgentLogs', () => {
  it('deletes weft-* entries older than the retention period and nothing else', async () => {
    const now = Date.now();
    const daysAgo = (days: number) => new Date(now - days * 24 * 60 * 60 * 1000);
    const entries = {
      'weft-debug-old.log': 15,
      'weft-debug-recent.log': 13,
      'weft-failed-records-old': 20,
      'someone-elses.log': 30,
    };
    for (const [name, age] of Object.entries(entries)) {
      const path = join(root, name);
      if (name.endsWith('.log')) await writeFile(path, 'x');
      else await mkdir(path);
      await utimes(path, daysAgo(age), daysAgo(age));
    }
    expect((await pruneExpiredAgentLogs(root, 14, now)).sort()).toEqual([
      'weft-debug-old.log',
      'weft-failed-records-old',
    ]);
    expect((await readdir(root)).sort()).toEqual(['someone-elses.log', 'weft-debug-recent.log']);
    expect(await pruneExpiredAgentLogs(root, 1, now)).toEqual(['weft-debug-recent.log']);
  });
});
