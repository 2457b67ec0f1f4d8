import { spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './main.js';
import { ProgressBar } from './progress.js';

const MAPPING = `version: 1
lookups: [units]
records:
  - when: 'status != "void"'
    fields:
      id: id
      unit: { value: '$lookupTable("units", u, "label")', default: '?' }
      qty: { value: qty, validate: { type: integer, maximum: 100 } }
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  writeFileSync(join(dir, 'map.yaml'), MAPPING);
  writeFileSync(
    join(dir, 'units.ndjson'),
    '{"code":"kg","label":"kilogram"}\n{"code":"m","label":"metre"}\n',
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function io(tty = false): { stdout: string[]; stderr: string[]; io: Parameters<typeof runCli>[1] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    io: {
      cwd: dir,
      stdout: { write: (text: string) => stdout.push(text) },
      stderr: { write: (text: string) => stderr.push(text), isTTY: tty, columns: 80 },
    },
  };
}

describe('weft-transform (in process)', () => {
  it('transforms a file, writes failed records, prints a summary and exits 1 when records failed', async () => {
    writeFileSync(
      join(dir, 'in.ndjson'),
      '{"id":1,"status":"new","u":"kg","qty":2}\n{"id":2,"status":"void"}\n{"id":3,"status":"new","u":"m","qty":500}\n{bad\n',
    );
    const run = io();
    const code = await runCli(
      [
        '--in',
        'in.ndjson',
        '--mapping',
        'map.yaml',
        '--out',
        'out.ndjson',
        '--failed',
        'failed.ndjson',
        '--lookup',
        'units=units.ndjson',
      ],
      run.io,
    );
    expect(code).toBe(1);
    expect(readFileSync(join(dir, 'out.ndjson'), 'utf8')).toBe(
      '{"id":1,"unit":"kilogram","qty":2}\n',
    );
    const failed = readFileSync(join(dir, 'failed.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(failed).toEqual([
      {
        line: 3,
        record: { id: 3, status: 'new', u: 'm', qty: 500 },
        reasons: [{ path: 'qty', rule: 'range', message: 'must be at most 100' }],
      },
      {
        line: 4,
        reasons: [
          { path: '', rule: 'read', message: expect.stringMatching(/^line 4: invalid JSON/) },
        ],
      },
    ]);
    const err = run.stderr.join('');
    expect(err).toContain('line 3: qty: range: must be at most 100\n');
    expect(err).toMatch(/read 4, written 1, failed 2, skipped 1 in [\d.]+ s \([\d.-]+ MB\/s\)\n$/);
  });

  it('exits 0 when every record is written', async () => {
    writeFileSync(join(dir, 'in.jsonl'), '{"id":1,"status":"new","u":"kg","qty":2}\n');
    const run = io();
    expect(
      await runCli(
        [
          '--in',
          'in.jsonl',
          '--mapping',
          'map.yaml',
          '--out',
          'o.ndjson',
          '--lookup',
          'units=units.ndjson',
        ],
        run.io,
      ),
    ).toBe(0);
    expect(run.stderr.join('')).toMatch(/^read 1, written 1, failed 0, skipped 0/);
  });

  it('exits 2 with one clear line on bad usage', async () => {
    writeFileSync(join(dir, 'in.ndjson'), '{}\n');
    const base = ['--in', 'in.ndjson', '--mapping', 'map.yaml'];
    const units = ['--lookup', 'units=units.ndjson'];
    const cases: Array<[string[], string]> = [
      [base, '--out is required'],
      [[...base, '--out', 'out.bin'], 'cannot tell the format of'],
      [[...base, '--out', 'in.ndjson'], '--out and --failed must not be the input file'],
      [[...base, '--out', 'o.ndjson', '--bogus'], "Unknown option '--bogus'"],
      [[...base, '--out', 'o.ndjson'], 'mapping has 1 problem:'],
      [
        ['--in', 'missing.ndjson', '--mapping', 'map.yaml', '--out', 'o.ndjson', ...units],
        'cannot open',
      ],
      [[...base, '--out', 'o.csv', '--out-format', 'yaml'], '--out-format: unknown format "yaml"'],
      [[...base, '--out', 'o.ndjson', ...units, '--in-options', 'map.yaml'], '--in-options: '],
      [[...base, '--out', 'o.dat', ...units], 'fixed-width needs options.layout'],
    ];
    for (const [argv, expected] of cases) {
      const run = io();
      const code = await runCli(argv, run.io);
      expect([code, run.stderr.join('').split('\n')[0]]).toEqual([
        2,
        expect.stringContaining(`weft-transform: ${expected}`),
      ]);
    }
  });

  it('reads and writes other formats with options files, and exits 1 when the input breaks', async () => {
    writeFileSync(join(dir, 'in.csv'), 'id,status,u,qty\n1,new,kg,2\n');
    writeFileSync(
      join(dir, 'csv.json'),
      JSON.stringify({ columns: ['id', 'status', 'u', { name: 'qty', type: 'integer' }] }),
    );
    writeFileSync(
      join(dir, 'xml.json'),
      JSON.stringify({ rootElement: 'Items', recordElement: 'Item', declaration: false }),
    );
    const run = io();
    const argv = ['--in', 'in.csv', '--mapping', 'map.yaml', '--lookup', 'units=units.ndjson'];
    expect(
      await runCli(
        [...argv, '--out', 'out.xml', '--in-options', 'csv.json', '--out-options', 'xml.json'],
        run.io,
      ),
    ).toBe(0);
    expect(readFileSync(join(dir, 'out.xml'), 'utf8')).toContain(
      '<Items><Item><id>1</id><unit>kilogram</unit><qty>2</qty></Item></Items>',
    );
    writeFileSync(join(dir, 'in.csv'), 'id,status,u,qty\n1,new,kg,2\n"2,new');
    const broken = io();
    expect(await runCli([...argv, '--out', 'out.ndjson'], broken.io)).toBe(1);
    expect(broken.stderr.join('')).toMatch(/^weft-transform: run failed: .*line 3/);
    const missingDir = io();
    expect(await runCli([...argv, '--out', 'nowhere/out.ndjson'], missingDir.io)).toBe(2);
    expect(missingDir.stderr.join('')).toMatch(/^weft-transform: cannot open .*nowhere.*ENOENT/);
  });

  it('never overwrites an input: real path and (dev, ino) of --out and --failed are checked', async () => {
    const input = '{"id":1,"status":"new","u":"kg","qty":2}\n';
    writeFileSync(join(dir, 'in.ndjson'), input);
    writeFileSync(join(dir, 'csv.json'), '{}');
    symlinkSync(join(dir, 'in.ndjson'), join(dir, 'alias.ndjson'));
    linkSync(join(dir, 'map.yaml'), join(dir, 'hard.ndjson'));
    symlinkSync(join(dir, 'units.ndjson'), join(dir, 'units-alias.ndjson'));
    const base = ['--in', 'in.ndjson', '--mapping', 'map.yaml', '--lookup', 'units=units.ndjson'];
    const cases: Array<[string[], string]> = [
      [['--out', 'alias.ndjson'], '--out is the same file as --in; refusing to overwrite it'],
      [['--out', 'hard.ndjson'], '--out is the same file as --mapping; refusing to overwrite it'],
      [
        ['--out', 'o.ndjson', '--failed', 'units-alias.ndjson'],
        '--failed is the same file as --lookup units; refusing to overwrite it',
      ],
      [
        ['--out', 'o.ndjson', '--failed', `${dir}/./o.ndjson`],
        '--failed and --out are the same file',
      ],
      [
        ['--out', 'o.ndjson', '--in-options', 'csv.json', '--failed', 'csv.json'],
        '--failed is the same file as --in-options; refusing to overwrite it',
      ],
      [['--out', '/dev/null', '--out-format', 'ndjson'], '--out: /dev/null is not a regular file'],
    ];
    for (const [extra, expected] of cases) {
      const run = io();
      const code = await runCli([...base, ...extra], run.io);
      expect([code, run.stderr.join('')]).toEqual([2, `weft-transform: ${expected}\n`]);
    }
    expect(readFileSync(join(dir, 'in.ndjson'), 'utf8')).toBe(input);
    expect(readFileSync(join(dir, 'map.yaml'), 'utf8')).toBe(MAPPING);
    expect(existsSync(join(dir, 'o.ndjson'))).toBe(false);
  });

  it('caps the mapping, options and lookup files it reads: /dev/zero fails at once', async () => {
    writeFileSync(join(dir, 'in.ndjson'), '{}\n');
    const base = ['--in', 'in.ndjson', '--out', 'o.ndjson'];
    const cases: Array<[string[], string]> = [
      [['--mapping', '/dev/zero'], 'mapping file is over 1048576 bytes'],
      [
        ['--mapping', 'map.yaml', '--lookup', 'units=units.ndjson', '--in-options', '/dev/zero'],
        '--in-options: file is over 1048576 bytes',
      ],
    ];
    const started = Date.now();
    for (const [extra, expected] of cases) {
      const run = io();
      const code = await runCli([...base, ...extra], run.io);
      expect([code, run.stderr.join('')]).toEqual([2, `weft-transform: ${expected}\n`]);
    }
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('writes outputs with mode 0600 through a temp file: a failed run leaves no file behind', async () => {
    writeFileSync(join(dir, 'in.csv'), 'id,status,u,qty\n1,new,kg,2\n2,new,kg,0.5\n');
    writeFileSync(join(dir, 'csv.json'), JSON.stringify({ columns: ['id', 'status', 'u', 'qty'] }));
    const argv = ['--in', 'in.csv', '--mapping', 'map.yaml', '--lookup', 'units=units.ndjson'];
    const outputs = ['--out', 'out.ndjson', '--failed', 'failed.ndjson'];
    const before = readdirSync(dir).sort();
    expect(await runCli([...argv, ...outputs], io().io)).toBe(1); // one record failed
    expect(readdirSync(dir).sort()).toEqual([...before, 'failed.ndjson', 'out.ndjson'].sort());
    expect(statSync(join(dir, 'out.ndjson')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'failed.ndjson')).mode & 0o777).toBe(0o600);
    rmSync(join(dir, 'out.ndjson'));
    rmSync(join(dir, 'failed.ndjson'));
    // a record fails first, then the input breaks: the whole run fails and nothing is left
    writeFileSync(join(dir, 'in.csv'), 'id,status,u,qty\n1,new,kg,2\n2,new,kg,0.5\n"3,new');
    const broken = io();
    expect(await runCli([...argv, ...outputs], broken.io)).toBe(1);
    expect(broken.stderr.join('')).toMatch(/^weft-transform: run failed: .*line 4/);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('stops with exit code 130 when its signal aborts', async () => {
    writeFileSync(
      join(dir, 'in.ndjson'),
      '{"id":1,"status":"new","u":"kg","qty":2}\n'.repeat(5000),
    );
    const stop = new AbortController();
    stop.abort(new Error('interrupted'));
    const run = io();
    const argv = ['--in', 'in.ndjson', '--mapping', 'map.yaml', '--out', 'o.ndjson'];
    expect(
      await runCli([...argv, '--lookup', 'units=units.ndjson'], { ...run.io, signal: stop.signal }),
    ).toBe(130);
    expect(run.stderr.join('')).toBe('weft-transform: stopped\n');
  });

  it('draws a progress bar on a terminal for large inputs only', () => {
    let time = 0;
    const written: string[] = [];
    const out = { write: (text: string) => written.push(text), isTTY: true, columns: 60 };
    expect(ProgressBar.enabled(out, 100 * 1024 * 1024, false)).toBe(true);
    expect(ProgressBar.enabled(out, 1024, false)).toBe(false);
    expect(ProgressBar.enabled({ ...out, isTTY: false }, 100 * 1024 * 1024, false)).toBe(false);
    const bar = new ProgressBar(out, 10 * 1_048_576, () => time);
    time = 1000;
    bar.update(5 * 1_048_576);
    bar.update(6 * 1_048_576); // too soon: not redrawn
    bar.clear();
    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/^\r\[#+\.+\] 50% 5\.0\/10\.0 MB$/);
  });
});

describe('weft-transform with scripts', () => {
  it("runs the mapping's scripts in the sandbox, and refuses one that does not compile", async () => {
    writeFileSync(
      join(dir, 'scripted.yaml'),
      `version: 1
scripts:
  double: { language: javascript, source: 'return record.qty * 2;' }
records:
  - fields:
      id: id
      doubled: { script: double }
`,
    );
    writeFileSync(join(dir, 'in.ndjson'), '{"id":1,"qty":2}\n{"id":2,"qty":21}\n');
    const run = io();
    const args = ['--in', 'in.ndjson', '--mapping', 'scripted.yaml', '--out', 'out.ndjson'];
    expect(await runCli(args, run.io)).toBe(0);
    expect(readFileSync(join(dir, 'out.ndjson'), 'utf8')).toBe(
      '{"id":1,"doubled":4}\n{"id":2,"doubled":42}\n',
    );
    writeFileSync(
      join(dir, 'broken.yaml'),
      `version: 1
scripts:
  broken: { language: javascript, source: 'return (;' }
records:
  - fields: { id: { script: broken } }
`,
    );
    const broken = io();
    expect(
      await runCli(
        ['--in', 'in.ndjson', '--mapping', 'broken.yaml', '--out', 'x.ndjson'],
        broken.io,
      ),
    ).toBe(2);
    expect(broken.stderr.join('')).toMatch(/broken/);
  });
});

describe('weft-transform (spawned)', () => {
  // one spawn (compiling the source on the fly costs a second of CPU): a run with a failed
  // record, so the exit code proves bin.ts passes runCli's result on
  it('runs as a program and sets the exit code', () => {
    const at = (name: string): string => join(dir, name);
    writeFileSync(
      at('in.ndjson'),
      '{"id":1,"status":"new","u":"kg","qty":2}\n{"id":2,"status":"new","qty":0.5}\n',
    );
    const here = dirname(fileURLToPath(import.meta.url));
    const result = spawnSync(
      process.execPath,
      [
        '--conditions=@weft/source',
        '--import',
        '@swc-node/register/esm-register',
        join(here, 'bin.ts'),
        ...['--in', at('in.ndjson'), '--mapping', at('map.yaml'), '--out', at('out.ndjson')],
        ...['--lookup', `units=${at('units.ndjson')}`],
      ],
      {
        cwd: join(here, '..', '..'),
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
        timeout: 30_000,
      },
    );
    expect(result.stderr).toMatch(
      /^line 2: qty: type: must be an integer\nread 2, written 1, failed 1, skipped 0/,
    );
    expect(result.status).toBe(1);
    expect(readFileSync(at('out.ndjson'), 'utf8')).toBe('{"id":1,"unit":"kilogram","qty":2}\n');
  });
});
