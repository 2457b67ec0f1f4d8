import { AGENT_SETTINGS, SETTING_KEYS, envNameFor } from '../config/settings.js';
import { renderHelp } from './help-text.js';

describe('renderHelp', () => {
  const help = renderHelp('9.8.7');

  it('explains every setting: YAML key, variable, default and meaning', () => {
    for (const key of SETTING_KEYS) {
      const spec = AGENT_SETTINGS[key];
      const entry = help.slice(help.indexOf(`\n  ${key}\n`));
      expect(entry).not.toBe(help);
      expect(entry).toContain(`env: ${envNameFor(key)}    default: ${spec.defaultText}`);
      const firstWords = spec.description.split(/\s+/).slice(0, 4).join(' ');
      expect(entry.replace(/\s+/g, ' ')).toContain(firstWords);
    }
  });

  it('shows the version, the options and the signals', () => {
    expect(help).toContain('weft-agent 9.8.7');
    for (const text of [
      '--config <path>',
      'WEFT_AGENT_CONFIG',
      '--help',
      '--version',
      'SIGTERM',
      'shutdownGraceSeconds',
    ]) {
      expect(help).toContain(text);
    }
  });

  it('keeps lines within 100 columns', () => {
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});
