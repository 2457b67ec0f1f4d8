import { spawn } from 'node:child_process';

/** How each platform opens a URL in the person's default browser. */
export function browserCommand(
  platform: NodeJS.Platform,
  url: string,
): { command: string; args: string[]; verbatim: boolean } {
  if (platform === 'darwin') return { command: 'open', args: [url], verbatim: false };
  if (platform === 'win32') {
    // `start` is a cmd built-in; `^&` keeps the query's `&` from ending the command. The empty
    // title is start's first quoted argument.
    return {
      command: 'cmd',
      args: ['/d', '/s', '/c', `start "" "${url.replace(/&/g, '^&')}"`],
      verbatim: true,
    };
  }
  return { command: 'xdg-open', args: [url], verbatim: false };
}

/**
 * Asks the desktop to open `url` (http or https only); false when that could not even start
 * (no xdg-open on a server, say), so the caller prints the address instead. The opener runs
 * detached: this process does not wait for the browser.
 */
export function openBrowser(
  url: string,
  platform: NodeJS.Platform = process.platform,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<boolean> {
  if (!/^https?:\/\//.test(url)) return Promise.resolve(false);
  const { command, args, verbatim } = browserCommand(platform, url);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, args, {
        stdio: 'ignore',
        env,
        detached: true,
        windowsVerbatimArguments: verbatim,
        windowsHide: true,
      });
    } catch {
      resolve(false);
      return;
    }
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
