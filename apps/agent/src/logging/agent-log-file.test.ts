import { readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../../test/support/fixtures.js';
import { AgentLogFile } from './agent-log-file.js';

let root: string;
let removeRoot: () => Promise<void>;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
});
afterEach(() => removeRoot());

describe('AgentLogFile', () => {
  it('appends lines to logDir/weft-agent-<date>.log (0600), a new file each UTC day', async () => {
    let now = new Date('2026-11-24T23:59:59Z');
    const file = new AgentLogFile(join(root, 'logs'), () => now);
    file.write('{"msg":"one"}\n');
    file.write('{"msg":"two"}');
    now = new Date('2026-11-25T00:00:01Z');
    file.write('{"msg":"three"}\n');
    file.close();

    const logs = join(root, 'logs');
    expect((await readdir(logs)).sort()).toEqual([
      'weft-agent-2026-11-24.log',
      'weft-agent-2026-11-25.log',
    ]);
    expect(await readFile(join(logs, 'weft-agent-2026-11-24.log'), 'utf8')).toBe(
      '{"msg":"one"}\n{"msg":"two"}\n',
    );
    expect((await stat(join(logs, 'weft-agent-2026-11-25.log'))).mode & 0o777).toBe(0o600);
  });

  it('never writes through a symlink planted in logDir, and never throws', async () => {
    await writeFile(join(root, 'elsewhere.txt'), 'untouched');
    const now = new Date('2026-11-24T10:00:00Z');
    await symlink(join(root, 'elsewhere.txt'), join(root, 'weft-agent-2026-11-24.log'));
    const file = new AgentLogFile(root, () => now);
    expect(() => file.write('{"msg":"x"}\n')).not.toThrow();
    expect(await readFile(join(root, 'elsewhere.txt'), 'utf8')).toBe('untouched');
  });
});
