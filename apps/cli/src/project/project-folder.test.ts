import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { FOLDER_LIMITS, readProjectFolder } from './folder-reader.js';
import { isSafeProjectPath, writeProjectFolder } from './folder-writer.js';
import { projectProblems } from './project-library.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weft-folder-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function files(entries: Record<string, string | Buffer>): Promise<string> {
  const folder = join(root, 'project');
  for (const [path, content] of Object.entries(entries)) {
    await mkdir(join(folder, path, '..'), { recursive: true });
    await writeFile(join(folder, path), content);
  }
  return folder;
}

async function failure(work: Promise<unknown>): Promise<CliError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!CliError.is(error)) throw new Error(`expected a CliError, got ${String(error)}`);
  return error;
}

describe('readProjectFolder', () => {
  it('reads every file with /-separated relative paths, sorted, hidden entries skipped', async () => {
    const folder = await files({
      'weft-project.yaml': 'name: a\n',
      'operations/load.yaml': 'x: 1\n',
      'interfaces/order.schema.json': '{}',
      'README.md': '# notes',
      '.git/config': '[core]',
      'operations/.load.yaml.swp': 'swap',
    });
    expect(await readProjectFolder(folder)).toEqual([
      { path: 'README.md', content: '# notes' },
      { path: 'interfaces/order.schema.json', content: '{}' },
      { path: 'operations/load.yaml', content: 'x: 1\n' },
      { path: 'weft-project.yaml', content: 'name: a\n' },
    ]);
  });

  it('collects every unreadable entry as a problem: links, binary files, deep nesting', async () => {
    const folder = await files({
      'weft-project.yaml': 'name: a\n',
      'scripts/blob.js': Buffer.from([0xff, 0xfe, 0x00]),
      'a/b/c/d/e.yaml': 'deep',
    });
    await symlink('/etc/hostname', join(folder, 'scripts', 'linked.js'));
    const error = await failure(readProjectFolder(folder));
    expect(error.exitCode).toBe(5);
    expect(error.problems).toEqual([
      { path: 'a/b/c/d', message: 'is nested too deeply for a project folder' },
      { path: 'scripts/blob.js', message: 'is not UTF-8 text' },
      {
        path: 'scripts/linked.js',
        message: 'is a symbolic link: links are not followed, copy the file in',
      },
    ]);
  });

  it('a file over the size limit is a problem; a missing folder a usage error', async () => {
    const folder = await files({ 'scripts/big.js': 'x'.repeat(FOLDER_LIMITS.fileBytes + 1) });
    expect((await failure(readProjectFolder(folder))).problems).toEqual([
      { path: 'scripts/big.js', message: 'is larger than 2 MiB' },
    ]);
    expect((await failure(readProjectFolder(join(root, 'none')))).exitCode).toBe(2);
    await writeFile(join(root, 'file.yaml'), '');
    expect((await failure(readProjectFolder(join(root, 'file.yaml')))).message).toContain(
      'no project folder at',
    );
  });
});

describe('writeProjectFolder', () => {
  it('writes the files into a new folder', async () => {
    const folder = join(root, 'out');
    await writeProjectFolder(folder, [
      { path: 'weft-project.yaml', content: 'name: a\n' },
      { path: 'operations/load.yaml', content: 'x: 1\n' },
    ]);
    expect(await readFile(join(folder, 'operations', 'load.yaml'), 'utf8')).toBe('x: 1\n');
  });

  it('an empty existing folder is fine; one with files is refused, untouched', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await writeProjectFolder(empty, [{ path: 'weft-project.yaml', content: 'n' }]);
    const error = await failure(writeProjectFolder(empty, [{ path: 'other.yaml', content: 'o' }]));
    expect(error.exitCode).toBe(2);
    expect(await readFile(join(empty, 'weft-project.yaml'), 'utf8')).toBe('n');
  });

  it.each([
    '../escape.yaml',
    '/etc/passwd',
    'a/../../b.yaml',
    '.hidden/x.yaml',
    'a\\b.yaml',
    'a//b.yaml',
    '',
    'a/b/c/d/e.yaml',
  ])('refuses the unsafe path %j before writing anything', async (path) => {
    expect(isSafeProjectPath(path)).toBe(false);
    const folder = join(root, 'unsafe');
    const error = await failure(
      writeProjectFolder(folder, [
        { path: 'ok.yaml', content: '' },
        { path, content: '' },
      ]),
    );
    expect(error.message).toContain('not safe to write');
    await expect(readFile(join(folder, 'ok.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('projectProblems', () => {
  it('reads a branded ProjectError; anything else is not one', () => {
    const branded = Object.assign(new Error('invalid'), {
      [Symbol.for('weft.project.error')]: true,
      problems: [{ path: 'name', code: 'invalid_name', message: 'must match ^[a-z]…' }],
    });
    expect(projectProblems(branded)).toEqual([
      { path: 'name', code: 'invalid_name', message: 'must match ^[a-z]…' },
    ]);
    expect(projectProblems(Object.assign(new Error('x'), { problems: [] }))).toBeUndefined();
    expect(projectProblems(new Error('x'))).toBeUndefined();
  });
});
