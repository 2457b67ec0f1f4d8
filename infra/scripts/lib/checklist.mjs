// A list of named checks: each prints one line as it ends and counts as passed or failed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';

export class Checklist {
  passed = 0;
  failed = 0;
  #started = performance.now();

  /**
   * Runs `fn`; the check passes when it resolves. Returns its value, or undefined when it failed,
   * so later checks that need it can be skipped with `skip` instead of failing for the same cause.
   */
  async check(name, fn) {
    const started = performance.now();
    try {
      const value = await fn();
      this.passed += 1;
      this.#line('ok  ', name, started);
      return value;
    } catch (error) {
      this.failed += 1;
      this.#line('FAIL', `${name}: ${oneLine(error)}`, started);
      return undefined;
    }
  }

  /** Counts a check that could not run because something it needs failed earlier. */
  skip(name, reason) {
    this.failed += 1;
    process.stdout.write(`FAIL ${name}: not run (${reason})\n`);
  }

  /** Writes `{ passed, failed }` for scripts/test-all.mjs. */
  writeSummary(file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ passed: this.passed, failed: this.failed })}\n`);
  }

  get elapsedSeconds() {
    return ((performance.now() - this.#started) / 1000).toFixed(1);
  }

  #line(status, text, started) {
    const ms = Math.round(performance.now() - started);
    process.stdout.write(`${status} ${text} (${ms} ms)\n`);
  }
}

/** Throws with `message` unless `condition` holds. */
export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function oneLine(error) {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' | ').slice(0, 600);
}
