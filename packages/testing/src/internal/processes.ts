import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sleep } from './ports.js';

/** The signal that asks each service for a fast, clean shutdown. */
export type ShutdownSignal = 'SIGTERM' | 'SIGINT';

interface Supervised {
  pid: number;
  signal: ShutdownSignal;
  watchdog: ChildProcess | undefined;
}

const supervised = new Map<number, Supervised>();
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let handlersInstalled = false;

/**
 * Registers a service process so that it is stopped when this process goes away:
 * - on normal exit and on a crash (uncaught exception → 'exit' event);
 * - on SIGINT/SIGTERM/SIGHUP when nobody else handles the signal (then it is re-raised, so
 *   Ctrl-C still ends the process); an owner with its own handler stops them itself;
 * - on SIGKILL or OOM kill of this process, which no handler sees: a tiny `sh` watchdog
 *   holds a pipe to us and signals the service when the pipe closes.
 * Returns `release`, to be called once the service has exited.
 */
export function supervise(pid: number, signal: ShutdownSignal): () => void {
  installHandlers();
  const entry: Supervised = { pid, signal, watchdog: startWatchdog(pid, signal) };
  supervised.set(pid, entry);
  return () => {
    supervised.delete(pid);
    entry.watchdog?.kill('SIGKILL');
  };
}

/** Sends `signal` and waits until the process is gone, escalating to SIGKILL after `graceMs`. */
export async function terminate(
  pid: number,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  send(pid, signal);
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      send(pid, 'SIGKILL');
      await waitUntilGone(pid, 5000);
      return;
    }
    await sleep(25);
  }
}

export async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM means it exists but belongs to someone else: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** Linux: an exited process its parent has not reaped yet still answers kill(pid, 0). */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function startWatchdog(pid: number, signal: ShutdownSignal): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  // `read` returns only when our end of the pipe closes, i.e. when this process is gone.
  const script = `read _ignored; kill -s ${signal.slice(3)} "$0" 2>/dev/null`;
  const watchdog = spawn('/bin/sh', ['-c', script, String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

function stopAllNow(): void {
  for (const { pid, signal } of supervised.values()) send(pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // 'exit' handlers must be synchronous: send the shutdown signal and let the services
  // finish shutting down on their own after we are gone.
  process.on('exit', stopAllNow);
  const ours = new Map<NodeJS.Signals, () => void>();
  for (const name of FORWARDED_SIGNALS) {
    const onSignal = (): void => {
      // An owner that handles this signal itself (the dev stack) stops its services in its
      // own order; 'exit' and the watchdog still stop them if it never does.
      if (process.listenerCount(name) > 1) return;
      stopAllNow();
      // Listening to a signal disables Node's default "terminate"; restore it, so the
      // process still dies the way its owner expects.
      for (const [other, handler] of ours) process.removeListener(other, handler);
      process.kill(process.pid, name);
    };
    ours.set(name, onSignal);
    process.on(name, onSignal);
  }
}
