import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserCommand, openBrowser } from './browser.js';

const ADDRESS = 'https://weft.example.com/api/v1/auth/cli/sso/acme?port=49152&state=s&challenge=c';

describe('browserCommand', () => {
  it('uses xdg-open, open, or cmd start with the query kept whole', () => {
    expect(browserCommand('linux', ADDRESS)).toEqual({
      command: 'xdg-open',
      args: [ADDRESS],
      verbatim: false,
    });
    expect(browserCommand('darwin', ADDRESS)).toEqual({
      command: 'open',
      args: [ADDRESS],
      verbatim: false,
    });
    const windows = browserCommand('win32', ADDRESS);
    expect(windows.command).toBe('cmd');
    expect(windows.verbatim).toBe(true);
    // Unescaped, cmd would end the command at the first `&` and run the rest.
    expect(windows.args.at(-1)).toBe(
      'start "" "https://weft.example.com/api/v1/auth/cli/sso/acme?port=49152^&state=s^&challenge=c"',
    );
  });
});

describe('openBrowser', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'weft-browser-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('hands the address to the desktop opener, and says false when there is none', async () => {
    if (process.platform === 'win32') return;
    const env = { PATH: folder };
    expect(await openBrowser(ADDRESS, 'linux', env)).toBe(false);

    const seen = join(folder, 'seen.txt');
    const opener = join(folder, 'xdg-open');
    await writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\n`);
    await chmod(opener, 0o755);
    expect(await openBrowser(ADDRESS, 'linux', env)).toBe(true);
    for (let i = 0; i < 100 && (await readFile(seen, 'utf8').catch(() => '')) === ''; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await readFile(seen, 'utf8')).toBe(ADDRESS);
  });

  it('opens nothing but http and https addresses', async () => {
    expect(await openBrowser('file:///etc/passwd', 'linux')).toBe(false);
    expect(await openBrowser('javascript:alert(1)', 'linux')).toBe(false);
  });
});
