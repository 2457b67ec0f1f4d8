import { readFile } from 'node:fs/promises';
import { getMetadataStorage } from 'class-validator';
import { AgentSettingsInput } from './agent-settings.input.js';
import { AGENT_SETTINGS, SETTING_KEYS, envNameFor } from './settings.js';

describe('the settings table', () => {
  it('lists exactly the properties the validator checks', () => {
    const validated = getMetadataStorage()
      .getTargetValidationMetadatas(AgentSettingsInput, '', true, false)
      .map((metadata) => metadata.propertyName);
    expect([...new Set(validated)].sort()).toEqual([...SETTING_KEYS].sort());
  });

  it('maps every YAML key to its own WEFT_AGENT_* variable', () => {
    expect(envNameFor('gatewayUrl')).toBe('WEFT_AGENT_GATEWAY_URL');
    expect(envNameFor('shutdownGraceSeconds')).toBe('WEFT_AGENT_SHUTDOWN_GRACE_SECONDS');
    const names = SETTING_KEYS.map(envNameFor);
    expect(new Set(names).size).toBe(SETTING_KEYS.length);
    for (const name of names) expect(name).toMatch(/^WEFT_AGENT_[A-Z0-9_]+$/);
    expect(names).not.toContain('WEFT_AGENT_CONFIG');
  });

  it('gives no secret a default', () => {
    const secrets = SETTING_KEYS.filter((key) => AGENT_SETTINGS[key].secret);
    expect(secrets).toEqual(['enrolmentToken']);
    for (const key of secrets) expect(AGENT_SETTINGS[key].default).toBeUndefined();
  });
});

describe('the README', () => {
  it('documents every setting with its variable', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const key of SETTING_KEYS)
      expect(readme).toMatch(new RegExp(`\\| \`${key}\` +\\| \`${envNameFor(key)}\` +\\|`));
  });
});
