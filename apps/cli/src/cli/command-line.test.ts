import { CliError } from '../errors.js';
import { COMMANDS } from '../commands/index.js';
import { integerOption, parseCommandLine, type CommandLine } from './command-line.js';

function parse(...argv: string[]): CommandLine {
  return parseCommandLine(argv, COMMANDS);
}

function usage(...argv: string[]): string {
  try {
    parse(...argv);
  } catch (error) {
    if (CliError.is(error) && error.code === 'usage') return error.message;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('parseCommandLine', () => {
  it('finds two-word commands, their positionals and options', () => {
    const line = parse('project', 'push', './orders', '--deploy');
    expect(line).toMatchObject({
      kind: 'command',
      command: { name: 'project push' },
      positionals: ['./orders'],
      values: { deploy: true },
      global: { json: false },
    });
  });

  it('takes global options before the command and anywhere after it', () => {
    const line = parse(
      '--env',
      'prod',
      '--json',
      'run',
      'orders-sync',
      '--url',
      'https://weft.example.com',
      'load-orders',
      '--wait',
    );
    expect(line).toMatchObject({
      kind: 'command',
      command: { name: 'run' },
      positionals: ['orders-sync', 'load-orders'],
      values: { wait: true },
      global: { env: 'prod', json: true, url: 'https://weft.example.com' },
    });
    expect(parse('--org=o-1', 'logs', '-f')).toMatchObject({
      command: { name: 'logs' },
      values: { follow: true },
      global: { org: 'o-1' },
    });
  });

  it('keeps arguments after -- as positionals', () => {
    expect(parse('deploy', '--', '--odd-name')).toMatchObject({ positionals: ['--odd-name'] });
  });

  it('help and version', () => {
    expect(parse('--help')).toEqual({ kind: 'help' });
    expect(parse('-h')).toEqual({ kind: 'help' });
    expect(parse('env', '--help')).toEqual({ kind: 'help', group: 'env' });
    expect(parse('env', 'promote', '-h')).toMatchObject({
      kind: 'help',
      command: { name: 'env promote' },
    });
    expect(parse('--version')).toEqual({ kind: 'version' });
    expect(parse('-v')).toEqual({ kind: 'version' });
  });

  it('usage errors name the problem', () => {
    expect(usage()).toBe('give a command (see weft --help)');
    expect(usage('env')).toBe('env needs a subcommand: env promote');
    expect(usage('run', 'orders-sync')).toBe('weft run needs <operation> (see weft run --help)');
    expect(usage('logs', 'extra')).toBe('unexpected argument extra (see weft logs --help)');
    expect(usage('logs', '--limit')).toMatch(/^Option '--limit <value>' argument missing/);
    expect(usage('deploy', 'p', '--url', '')).toBe('--url needs a value');
  });

  it('refuses an API key as an argument, and never repeats one back', () => {
    const key = 'weft_0123456789ab_' + 'k'.repeat(43);
    expect(usage('login', '--api-key', key)).toContain('an API key is never given as an argument');
    expect(usage('login', `--api-key=${key}`)).toContain(
      'an API key is never given as an argument',
    );
    expect(usage(key)).toBe('unknown command weft_… (see weft --help)');
    expect(usage('deploy', 'p', key)).toBe('unexpected argument weft_… (see weft deploy --help)');
  });
});

describe('integerOption', () => {
  it('accepts whole numbers in bounds, refuses anything else', () => {
    const bounds = { min: 1, max: 200 };
    expect(integerOption({ limit: '200' }, 'limit', bounds)).toBe(200);
    expect(integerOption({}, 'limit', bounds)).toBeUndefined();
    for (const bad of ['0', '201', '1.5', '1e2', ' 3', '-1', '0x10', '']) {
      expect(() => integerOption({ limit: bad }, 'limit', bounds)).toThrow(
        '--limit must be a whole number from 1 to 200',
      );
    }
  });
});
