import { parseCliArguments } from './cli-arguments.js';

describe('parseCliArguments', () => {
  it.each([
    [[], { kind: 'run' }],
    [['--config', 'a.yaml'], { kind: 'run', configPath: 'a.yaml' }],
    [['-c', 'a.yaml'], { kind: 'run', configPath: 'a.yaml' }],
    [['--config=/etc/weft/agent.yaml'], { kind: 'run', configPath: '/etc/weft/agent.yaml' }],
    [['--help'], { kind: 'help' }],
    [['-h', '--config', 'a.yaml'], { kind: 'help' }],
    [['--version'], { kind: 'version' }],
    [['-v'], { kind: 'version' }],
  ])('%j → %j', (argv, expected) => {
    expect(parseCliArguments(argv)).toEqual(expected);
  });

  it.each([
    [['--verbose'], 'unknown option --verbose (see weft-agent --help)'],
    [['--token=abc'], 'unknown option --token (see weft-agent --help)'],
    [['--config'], 'option --config needs a file path (see weft-agent --help)'],
    [['--config='], 'option --config= needs a file path (see weft-agent --help)'],
    [['-c', 'a', '-c', 'b'], 'option --config given more than once (see weft-agent --help)'],
    [['run'], 'unexpected argument run (see weft-agent --help)'],
  ])('%j is a usage error', (argv, message) => {
    expect(parseCliArguments(argv)).toEqual({ kind: 'usage-error', message });
  });
});
