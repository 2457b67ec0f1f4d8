// Command-line arguments of weft-transform, checked once into a resolved plan.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatOfFile, isFormatName, type FormatName } from '../pipeline/formats.js';

export const USAGE = `usage: weft-transform --in <file> --mapping <map.yaml|map.json> --out <file>
         [--in-format <format>] [--out-format <format>] [--failed <failed.ndjson>]
         [--in-options <options.json>] [--out-options <options.json>]
         [--lookup <name>=<file>]... [--quiet]
formats: ndjson, json, csv, xml, fixed-width (inferred from the file extension when not given)`;

export interface CliPlan {
  readonly input: string;
  readonly inputFormat: FormatName;
  readonly mapping: string;
  readonly output: string;
  readonly outputFormat: FormatName;
  readonly failed?: string;
  /** Files holding a JSON object of reader / writer options (CSV delimiter, XML elements, fixed-width layout…). */
  readonly inputOptionsFile?: string;
  readonly outputOptionsFile?: string;
  readonly lookups: ReadonlyArray<{ name: string; file: string; format: FormatName }>;
  readonly quiet: boolean;
}

/** Thrown for bad usage: the message is the one line printed before exiting with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function formatOf(file: string, given: string | undefined, option: string): FormatName {
  if (given !== undefined) {
    if (!isFormatName(given))
      throw new UsageError(`${option}: unknown format "${given.slice(0, 40)}"`);
    return given;
  }
  const inferred = formatOfFile(file);
  if (!inferred)
    throw new UsageError(`cannot tell the format of ${file} from its extension; give ${option}`);
  return inferred;
}

export function parseCliArgs(argv: readonly string[], cwd: string): CliPlan | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        in: { type: 'string' },
        mapping: { type: 'string' },
        out: { type: 'string' },
        'in-format': { type: 'string' },
        'out-format': { type: 'string' },
        failed: { type: 'string' },
        'in-options': { type: 'string' },
        'out-options': { type: 'string' },
        lookup: { type: 'string', multiple: true },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // node's own error, possibly from another realm: read its message without instanceof
    const message = (error as { message?: unknown } | undefined)?.message;
    throw new UsageError(
      typeof message === 'string' ? (message.split('\n')[0] ?? '') : 'bad arguments',
    );
  }
  if (values.help) return 'help';
  for (const name of ['in', 'mapping', 'out'] as const)
    if (!values[name]) throw new UsageError(`--${name} is required`);
  const input = resolve(cwd, values.in as string);
  const output = resolve(cwd, values.out as string);
  const failed = values.failed === undefined ? undefined : resolve(cwd, values.failed);
  if (input === output || input === failed)
    throw new UsageError('--out and --failed must not be the input file');
  const lookups = (values.lookup ?? []).map((spec) => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(spec);
    if (!match) throw new UsageError(`--lookup must be <name>=<file> (got "${spec.slice(0, 60)}")`);
    const file = resolve(cwd, match[2] as string);
    return {
      name: match[1] as string,
      file,
      format: formatOf(file, undefined, `--lookup ${match[1]}`),
    };
  });
  return {
    input,
    inputFormat: formatOf(input, values['in-format'], '--in-format'),
    mapping: resolve(cwd, values.mapping as string),
    output,
    outputFormat: formatOf(output, values['out-format'], '--out-format'),
    failed,
    inputOptionsFile:
      values['in-options'] === undefined ? undefined : resolve(cwd, values['in-options']),
    outputOptionsFile:
      values['out-options'] === undefined ? undefined : resolve(cwd, values['out-options']),
    lookups,
    quiet: values.quiet === true,
  };
}
