import type { ParseArgsConfig } from 'node:util';
import type { CommandContext } from './command-context.js';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | undefined>;

/** Options every command takes: where to act, and how to print. */
export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  org: { type: 'string' },
  env: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

export const GLOBAL_OPTION_HELP: ReadonlyArray<readonly [string, string]> = [
  ['--url <url>', 'the control plane (default: WEFT_URL, else the one you logged in to)'],
  ['--org <id>', "the organization (default: the API key's own)"],
  ['--env <id|name>', 'the environment (default: WEFT_ENV)'],
  ['--json', 'print one JSON document on stdout, for scripts'],
  ['-h, --help', 'explain the command'],
];

export interface GlobalOptions {
  url?: string;
  org?: string;
  env?: string;
  json: boolean;
}

/** What a command received once the command line was checked. */
export interface CommandInput {
  readonly positionals: readonly string[];
  readonly values: OptionValues;
}

/** One `weft` command: its words, its options, its help, and what it does. */
export interface CommandSpec {
  /** The command words: `deploy`, `project push`. */
  readonly name: string;
  readonly summary: string;
  /** Arguments and options after the command words, for the usage line. */
  readonly usage: string;
  readonly options: OptionsConfig;
  readonly optionHelp: ReadonlyArray<readonly [string, string]>;
  /** Names of the positional arguments; the last `optionalPositionals` of them may be left out. */
  readonly positionals: readonly string[];
  readonly optionalPositionals?: number;
  /** More help text after the options (examples, notes). */
  readonly notes?: string;
  run(context: CommandContext, input: CommandInput): Promise<number>;
}
