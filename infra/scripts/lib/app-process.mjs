// Runs a deployed app the way its container does: `node dist/main.js` in the deploy directory,
// with only the environment the container would have (nothing of the workspace leaks in).
import { spawn } from 'node:child_process';
import { assert } from './checklist.mjs';

const OUTPUT_TAIL = 64_000;

/** The environment of a container: a PATH, a temp dir and the app's settings; no NODE_OPTIONS, no NODE_PATH. */
export function containerEnv(settings) {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    NODE_ENV: 'production',
    ...settings,
  };
}

/** Starts `node dist/main.js ...args` in `cwd`. */
export function startApp({ cwd, args = [], env }) {
  const child = spawn(process.execPath, ['dist/main.js', ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk) => {
    output = (output + chunk).slice(-OUTPUT_TAIL);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    exited,
    get output() {
      return output;
    },
    /** Sends SIGTERM and waits up to `graceMs` for the exit; SIGKILL after that. */
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Runs a command of the app to completion (e.g. `migrate`, `--help`). */
export async function runApp(options, timeoutMs = 60_000) {
  const app = startApp(options);
  const timer = setTimeout(() => app.child.kill('SIGKILL'), timeoutMs);
  const result = await app.exited;
  clearTimeout(timer);
  return { ...result, output: app.output };
}

/** Polls `url` until it answers `status`, the process exits, or the time is up. Returns the body. */
export async function waitForHttp(app, url, { status = 200, timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) {
      throw new Error(
        `the process exited (${app.child.exitCode ?? app.child.signalCode}) before ${url} answered: ${app.output}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      const body = await response.text();
      if (response.status === status) return body;
      last = `HTTP ${response.status} ${body.slice(0, 300)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `${url} did not answer ${status} within ${timeoutMs} ms (last: ${last}); output: ${app.output}`,
  );
}

/** Asserts a clean stop on SIGTERM: exit code 0 within the grace period. */
export async function assertStopsCleanly(app, graceMs = 10_000) {
  const started = Date.now();
  const { code, signal } = await app.stop(graceMs);
  assert(
    code === 0,
    `exited with ${code ?? signal} after SIGTERM (${Date.now() - started} ms); last lines: ${lastLines(app.output, 2)}`,
  );
  // One SIGTERM must be handled once: a second shutdown path racing the first can exit early.
  assert(
    !/second signal/i.test(app.output),
    'one SIGTERM was handled as two signals (a second handler re-raised it)',
  );
}

function lastLines(text, count) {
  return text.trimEnd().split('\n').slice(-count).join('\n').slice(-400);
}
