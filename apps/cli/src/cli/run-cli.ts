import { COMMANDS } from '../commands/index.js';
import { CliError, EXIT } from '../errors.js';
import type { CliIo } from '../io.js';
import { printable } from '../output/text.js';
import { createCommandContext, type ContextDependencies } from './command-context.js';
import { parseCommandLine } from './command-line.js';
import { commandHelp, groupHelp, mainHelp } from './help.js';

/**
 * Runs one `weft` command line and returns the exit code. Every failure ends here: one
 * `weft: <message>` line on stderr (and the problems, one `path: message` per line), plus, with
 * --json, `{ "error": { code, message, problems } }` on stdout so scripts can read it.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  dependencies: ContextDependencies,
): Promise<number> {
  const json = argv.includes('--json');
  try {
    const line = parseCommandLine(argv, COMMANDS);
    if (line.kind === 'version') {
      io.stdout(
        json
          ? `${JSON.stringify({ version: dependencies.version })}\n`
          : `weft ${dependencies.version}\n`,
      );
      return EXIT.ok;
    }
    if (line.kind === 'help') {
      io.stdout(
        line.command !== undefined
          ? commandHelp(line.command)
          : line.group !== undefined
            ? groupHelp(line.group, COMMANDS)
            : mainHelp(COMMANDS, dependencies.version),
      );
      return EXIT.ok;
    }
    const context = createCommandContext(io, line.global, dependencies);
    return await line.command.run(context, { positionals: line.positionals, values: line.values });
  } catch (error) {
    return report(io, error, json);
  }
}

function report(io: CliIo, error: unknown, json: boolean): number {
  const failure = CliError.is(error)
    ? error
    : io.signal.aborted
      ? new CliError('interrupted', 'interrupted')
      : new CliError(
          'failed',
          `unexpected error: ${printable((error as Error)?.message ?? error, 300)}`,
        );
  io.stderr(`weft: ${failure.message}\n`);
  for (const problem of failure.problems) io.stderr(`${problem.path}: ${problem.message}\n`);
  if (json) {
    const body = {
      error: {
        code: failure.apiCode ?? failure.code,
        message: failure.message,
        ...(failure.problems.length > 0 ? { problems: failure.problems } : {}),
      },
    };
    io.stdout(`${JSON.stringify(body, null, 2)}\n`);
  }
  return failure.exitCode;
}
