import { parseArgs } from 'node:util';
import { usageError } from '../errors.js';
import {
  GLOBAL_OPTIONS,
  type CommandSpec,
  type GlobalOptions,
  type OptionValues,
} from './command-spec.js';

export type CommandLine =
  | { kind: 'help'; command?: CommandSpec; group?: string }
  | { kind: 'version' }
  | {
      kind: 'command';
      command: CommandSpec;
      positionals: string[];
      values: OptionValues;
      global: GlobalOptions;
    };

const GLOBAL_WITH_VALUE = new Set(['--url', '--org', '--env']);
const API_KEY_FLAG = /^--api-key(=|$)/;

/** An argument shown back in an error, unless it looks like an API key typed in the wrong place. */
function shown(argument: string): string {
  return argument.startsWith('weft_') ? 'weft_…' : argument.slice(0, 60);
}

/** Indexes of the command words: the first positionals, skipping global options and their values. */
function commandWords(argv: readonly string[]): number[] {
  const found: number[] = [];
  for (let index = 0; index < argv.length && found.length < 2; index++) {
    const argument = argv[index] ?? '';
    if (argument === '--') break;
    if (argument.startsWith('-')) {
      if (GLOBAL_WITH_VALUE.has(argument)) index++;
      continue;
    }
    found.push(index);
  }
  return found;
}

function firstSentence(message: string): string {
  return message.split(/\.(?:\s|$)/)[0] ?? message;
}

/**
 * Reads `weft [global options] <command> [<subcommand>] [arguments and options]` against the
 * command table. A command's own options go after its words; global options anywhere. Any
 * unknown option, missing or extra argument is a usage error (exit 2).
 */
export function parseCommandLine(
  argv: readonly string[],
  commands: readonly CommandSpec[],
): CommandLine {
  if (argv.some((argument) => API_KEY_FLAG.test(argument))) {
    // A key on the command line shows in `ps` and the shell history.
    throw usageError(
      'an API key is never given as an argument: use --api-key-stdin, --api-key-file <path> or WEFT_API_KEY',
    );
  }
  const words = commandWords(argv);
  const wantsHelp = argv.some((a) => a === '--help' || a === '-h');
  const first = words[0] === undefined ? undefined : argv[words[0]];
  if (first === undefined) {
    if (argv.includes('--version') || argv.includes('-v')) return { kind: 'version' };
    if (wantsHelp) return { kind: 'help' };
    throw usageError('give a command (see weft --help)');
  }
  const second = words[1] === undefined ? undefined : argv[words[1]];
  let command = commands.find((c) => c.name === first);
  let used = 1;
  if (command === undefined) {
    const group = commands.filter((c) => c.name.startsWith(`${first} `));
    if (group.length === 0) throw usageError(`unknown command ${shown(first)} (see weft --help)`);
    command = group.find((c) => c.name === `${first} ${second}`);
    used = 2;
    if (command === undefined) {
      if (wantsHelp && second === undefined) return { kind: 'help', group: first };
      const known = group.map((c) => c.name).join(', ');
      throw usageError(
        second === undefined
          ? `${first} needs a subcommand: ${known}`
          : `unknown command ${first} ${shown(second)} (commands: ${known})`,
      );
    }
  }
  const skip = new Set(words.slice(0, used));
  const rest = argv.filter((_, index) => !skip.has(index));
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw usageError(
      `${firstSentence((error as Error).message)} (see weft ${command.name} --help)`,
    );
  }
  const values = parsed.values as OptionValues;
  if (values['help'] === true) return { kind: 'help', command };
  const required = command.positionals.length - (command.optionalPositionals ?? 0);
  const { positionals } = parsed;
  if (positionals.length < required) {
    const missing = command.positionals.slice(positionals.length, required).map((n) => `<${n}>`);
    throw usageError(
      `weft ${command.name} needs ${missing.join(' ')} (see weft ${command.name} --help)`,
    );
  }
  if (positionals.length > command.positionals.length) {
    const extra = positionals[command.positionals.length] ?? '';
    throw usageError(`unexpected argument ${shown(extra)} (see weft ${command.name} --help)`);
  }
  return { kind: 'command', command, positionals, values, global: globalOptions(values) };
}

function globalOptions(values: OptionValues): GlobalOptions {
  const global: GlobalOptions = { json: values['json'] === true };
  for (const name of ['url', 'org', 'env'] as const) {
    const value = values[name];
    if (typeof value === 'string') {
      if (value === '') throw usageError(`--${name} needs a value`);
      global[name] = value;
    }
  }
  return global;
}

/** A whole number option within bounds, or undefined when not given. */
export function integerOption(
  values: OptionValues,
  name: string,
  bounds: { min: number; max: number },
): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < bounds.min || number > bounds.max) {
    throw usageError(`--${name} must be a whole number from ${bounds.min} to ${bounds.max}`);
  }
  return number;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (value === '') throw usageError(`--${name} needs a value`);
  return typeof value === 'string' ? value : undefined;
}
