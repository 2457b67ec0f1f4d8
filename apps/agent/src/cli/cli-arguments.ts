export type CliCommand =
  | { readonly kind: 'run'; readonly configPath?: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'usage-error'; readonly message: string };

/** weft-agent [-c|--config <path>] | -h|--help | -v|--version. Anything else is a usage error. */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  let configPath: string | undefined;
  let wants: 'help' | 'version' | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? '';
    if (argument === '-h' || argument === '--help') {
      wants ??= 'help';
    } else if (argument === '-v' || argument === '--version') {
      wants ??= 'version';
    } else if (argument === '-c' || argument === '--config' || argument.startsWith('--config=')) {
      const value = argument.startsWith('--config=')
        ? argument.slice('--config='.length)
        : argv[++index];
      if (value === undefined || value === '')
        return usageError(`option ${argument} needs a file path`);
      if (configPath !== undefined) return usageError('option --config given more than once');
      configPath = value;
    } else if (argument.startsWith('-')) {
      return usageError(`unknown option ${argument.split('=')[0] ?? argument}`);
    } else {
      return usageError(`unexpected argument ${argument}`);
    }
  }
  if (wants !== undefined) return { kind: wants };
  return configPath === undefined ? { kind: 'run' } : { kind: 'run', configPath };
}

function usageError(message: string): CliCommand {
  return { kind: 'usage-error', message: `${message} (see weft-agent --help)` };
}
