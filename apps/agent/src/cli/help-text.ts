import {
  AGENT_SETTINGS,
  CONFIG_PATH_ENV,
  DEFAULT_CONFIG_FILE,
  SETTING_KEYS,
  envNameFor,
} from '../config/settings.js';

const WIDTH = 78;
const INDENT = '      ';

/** --help, generated from the settings table that also drives validation, so the two cannot drift. */
export function renderHelp(version: string): string {
  const settings = SETTING_KEYS.flatMap((key) => {
    const spec = AGENT_SETTINGS[key];
    return [
      `  ${key}`,
      `      env: ${envNameFor(key)}    default: ${spec.defaultText}`,
      ...wrap(spec.description, WIDTH - INDENT.length).map((line) => INDENT + line),
    ];
  });
  return [
    `weft-agent ${version}: runs Weft integration operations for one agent group, inside your`,
    'network. It connects out to the Weft gateway over HTTPS (through a proxy if configured) and',
    'opens no inbound ports.',
    '',
    'Usage:',
    '  weft-agent [-c|--config <path>]',
    '  weft-agent -h|--help',
    '  weft-agent -v|--version',
    '',
    'Options:',
    `  -c, --config <path>  YAML settings file; also ${CONFIG_PATH_ENV}. Default ${DEFAULT_CONFIG_FILE},`,
    '                       which may be absent when the environment supplies every required setting.',
    '  -h, --help           Show this help.',
    '  -v, --version        Show the version.',
    '',
    'Settings: each is a key in the YAML file and a WEFT_AGENT_* environment variable; the',
    'environment wins over the file, and an empty variable counts as unset. Unknown keys and',
    'variables are rejected. Relative paths resolve against the working directory.',
    '',
    ...settings,
    '',
    'Signals:',
    '  SIGTERM, SIGINT  Stop taking work; let in-flight runs finish within shutdownGraceSeconds;',
    '                   hand back runs still going and delete their transient data; exit 0.',
    '                   A second signal exits at once (code 128 + signal number).',
    '',
    'Exit codes: 0 stopped cleanly; 1 failed while running; 2 invalid configuration or usage;',
    '            130/143 forced by a second SIGINT/SIGTERM.',
    '',
  ].join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
