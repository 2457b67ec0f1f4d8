import { runCli } from './cli/run-cli.js';
import { processIo } from './io.js';
import { loadProjectLibrary } from './project/load-project-library.js';
import { cliVersion } from './version.js';

// The process entry point: everything testable lives in runCli; this file binds it to the process.
let exitCode: number;
try {
  exitCode = await runCli(process.argv.slice(2), processIo(), {
    version: cliVersion(),
    loadProjectLibrary,
  });
} catch (error) {
  process.stderr.write(`weft: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 1;
}
process.exitCode = exitCode;
// An idle keep-alive connection must not hold a finished command open.
setTimeout(() => process.exit(exitCode), 2000).unref();
