import { GLOBAL_OPTION_HELP, type CommandSpec } from './command-spec.js';

function columns(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

const EXIT_CODES = `exit codes:
  0    done (a waited-for run succeeded)
  1    the run failed or was cancelled, or the operation was refused
  2    usage error (also: a credentials file readable by others)
  3    authentication or permission refused
  4    not found (project, operation, environment, run)
  5    validation error (the project's problems are listed as path: message)
  124  weft run --wait --timeout: the run had not finished in time
  130  interrupted (Ctrl-C)`;

const ENVIRONMENT = `environment variables:
  WEFT_API_KEY        API key (instead of weft login; for CI)
  WEFT_URL            the control plane (instead of --url)
  WEFT_ENV            the environment (instead of --env)
  WEFT_CONFIG_DIR     where credentials.json is kept (default ~/.config/weft)
  NODE_EXTRA_CA_CERTS a PEM file of extra CAs to trust (a control plane with a private CA)`;

/** `weft --help`: every command with its summary, the global options, exit codes. */
export function mainHelp(commands: readonly CommandSpec[], version: string): string {
  return [
    `weft ${version}: CI/CD for Weft integration projects`,
    '',
    'usage: weft <command> [arguments] [options]',
    '',
    'commands:',
    ...columns(commands.map((c) => [c.name, c.summary])),
    '',
    'options of every command:',
    ...columns([...GLOBAL_OPTION_HELP, ['-v, --version', 'print the version']]),
    '',
    ENVIRONMENT,
    '',
    EXIT_CODES,
    '',
    'weft <command> --help explains one command.',
    '',
  ].join('\n');
}

/** `weft project --help`: the subcommands of one group. */
export function groupHelp(group: string, commands: readonly CommandSpec[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  return [
    `usage: weft ${group} <command> …`,
    '',
    ...columns(members.map((c) => [c.name, c.summary])),
    '',
    `weft ${group} <command> --help explains one command.`,
    '',
  ].join('\n');
}

/** `weft <command> --help`. */
export function commandHelp(command: CommandSpec): string {
  return [
    `usage: weft ${command.name} ${command.usage}`.trimEnd(),
    '',
    command.summary,
    '',
    ...(command.optionHelp.length > 0 ? ['options:', ...columns(command.optionHelp), ''] : []),
    'options of every command:',
    ...columns(GLOBAL_OPTION_HELP),
    '',
    ...(command.notes !== undefined ? [command.notes, ''] : []),
  ].join('\n');
}
