import { spawn } from 'node:child_process';
import { findFreePort } from './internal/ports.js';

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
  /** Sees all output so far after each chunk; `stop()` sends SIGTERM (for scripted scenarios). */
  onOutput?: (output: string, stop: () => void) => void | Promise<void>;
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
  const loader = options.entry.endsWith('.ts')
    ? ['--conditions=@weft/source', '--import', '@swc-node/register/esm-register']
    : [];
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
    const stop = () => {
      if (signalled) return;
      signalled = true;
      child.kill('SIGTERM');
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
