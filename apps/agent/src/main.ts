import { runCli } from './cli/run-cli.js';

// The process entry point: everything testable lives in runCli; this file only binds it to the process.
let exitCode: number;
try {
  exitCode = await runCli({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    signals: process,
    exit: (code) => process.exit(code),
  });
} catch (error) {
  // Unexpected: still one line, no stack trace on an operator's console.
  process.stderr.write(`weft-agent: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 1;
}
process.exitCode = exitCode;
// A run that ignored its abort signal may still hold the event loop open: do not wait for it forever.
setTimeout(() => process.exit(exitCode), 2000).unref();
