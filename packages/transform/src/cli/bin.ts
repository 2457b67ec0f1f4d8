#!/usr/bin/env node
// The weft-transform executable: see main.ts and docs/cli.md.
import { runCli } from './main.js';

// Ctrl-C stops the run cleanly (exit 130, output files closed); a second Ctrl-C kills at once.
const stop = new AbortController();
process.once('SIGINT', () => stop.abort(new Error('interrupted')));

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  signal: stop.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // an unexpected failure (a bug): print its message only, never record data
    process.stderr.write(
      `weft-transform: internal error: ${error instanceof Error ? error.message : 'unknown'}\n`,
    );
    process.exitCode = 1;
  },
);
