import { spawn } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { findFreePort } from './internal/ports.js';

/**
 * Node flags that run a workspace entry from TypeScript source, the way `pnpm dev` does:
 * workspace packages through their `@weft/source` export, TS (with decorator metadata)
 * through SWC.
 */
export const SOURCE_LOADER_ARGS: readonly string[] = [
  '--conditions=@weft/source',
  '--import',
  '@swc-node/register/esm-register',
];

/** The node flags for an entry file: the source loader for `.ts`, nothing for built `.js`. */
export function loaderArgsFor(entry: string): string[] {
  return entry.endsWith('.ts') ? [...SOURCE_LOADER_ARGS] : [];
}

export interface ServiceRunOptions {
  /** The app's directory; `entry` is resolved from there. */
  cwd: string;
  /** A TypeScript entry run from source the way `pnpm dev` runs it, or a built `.js` file. */
  entry: string;
  args?: string[];
  /** The whole environment of the process besides PATH: nothing else leaks in from the test run. */
  env?: Record<string, string>;
  /** Sends SIGTERM once stdout or stderr matches, to observe a clean shutdown. */
  stopWhen?: RegExp;
  /**
   * Sees all output so far after each chunk; `stop()` sends SIGTERM, `stop('SIGKILL')` kills
   * (for scripted scenarios: clean shutdowns, crashes halfway through).
   */
  onOutput?: (output: string, stop: (signal?: NodeJS.Signals) => void) => void | Promise<void>;
  /** Kills the process (SIGKILL) and rejects after this long. Default 30 s. */
  timeoutMs?: number;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/**
 * Runs one of Weft's processes to its end and returns what it printed: for start-up failure
 * tests (one line naming the setting, the exit code, bounded time) and clean shutdowns.
 */
export function runService(options: ServiceRunOptions): Promise<ServiceExit> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const loader = loaderArgsFor(options.entry);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [...loader, '--no-warnings', options.entry, ...(options.args ?? [])],
      {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? '', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
      if (signalled) return;
      signalled = true;
      child.kill(signal);
    };
    const watch = (text: string) => {
      if (options.stopWhen?.test(text)) stop();
      void options.onOutput?.(`${stdout}${stderr}`, stop);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => watch((stdout += chunk)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => watch((stderr += chunk)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.entry} still running after ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}

/** A loopback port nothing listens on at the time of the call. */
export function closedPort(): Promise<number> {
  return findFreePort();
}

/**
 * Polls `url` until it answers `status`; returns how long that took. Throws after
 * `timeoutMs` (default 15 s), so a test of a state change is bounded. For an `https` URL
 * served with a private CA's certificate, pass that CA (PEM) as `ca`.
 */
export async function waitForHttpStatus(
  url: string,
  status: number,
  timeoutMs = 15_000,
  options: { ca?: string } = {},
): Promise<number> {
  const started = Date.now();
  let last: number | string = 'no answer';
  while (Date.now() - started < timeoutMs) {
    try {
      last =
        options.ca !== undefined && url.startsWith('https:')
          ? await statusOf(url, options.ca)
          : (await fetch(url, { signal: AbortSignal.timeout(5000) })).status;
      if (last === status) return Date.now() - started;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

/** One GET through node:https, trusting `ca` (fetch cannot be given a CA without undici's own API). */
function statusOf(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpsGet(url, { ca, timeout: 5000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 5000 ms')));
    request.on('error', reject);
  });
}
