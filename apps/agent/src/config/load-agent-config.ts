import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { LineCounter, parseDocument } from 'yaml';
import { AgentConfigError, type ConfigProblem } from './agent-config.error.js';
import type { AgentConfig } from './agent-config.js';
import { AgentSettingsInput } from './agent-settings.input.js';
import { compileAgentConfig } from './compile-agent-config.js';
import {
  AGENT_SETTINGS,
  CONFIG_PATH_ENV,
  DEFAULT_CONFIG_FILE,
  ENV_PREFIX,
  SETTING_KEYS,
  defaultFor,
  envNameFor,
  type SettingKey,
  type SettingKind,
} from './settings.js';

export interface LoadAgentConfigOptions {
  /** From `--config`; wins over WEFT_AGENT_CONFIG. */
  readonly configPath?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (config file, directories, caFile) resolve against this. */
  readonly cwd: string;
}

interface ConfigFile {
  readonly path: string | null;
  readonly values: Record<string, unknown>;
  /** File mode bits, to warn about a group/world-readable file holding a secret. */
  readonly mode: number | null;
}

/**
 * Reads agent.yaml and the WEFT_AGENT_* variables (the environment wins), validates everything once
 * and returns the compiled configuration. Throws AgentConfigError naming each bad setting.
 */
export async function loadAgentConfig(options: LoadAgentConfigOptions): Promise<AgentConfig> {
  const file = await readConfigFile(options);
  const fromEnv = readEnvironment(options.env);
  const problems = [...unknownYamlKeys(file.values), ...fromEnv.problems];

  const merged: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = fromEnv.values[key] ?? file.values[key] ?? defaultFor(key);
    if (value !== undefined && value !== null) merged[key] = value;
  }
  const input = plainToInstance(AgentSettingsInput, merged);
  problems.push(...validationProblems(input));
  if (problems.length > 0) throw new AgentConfigError('invalid-settings', sortBySetting(problems));

  const tokenInFile =
    file.values['enrolmentToken'] !== undefined && fromEnv.values.enrolmentToken === undefined;
  return compileAgentConfig(input, {
    cwd: options.cwd,
    configFile: file.path,
    secretInLooselyReadableFile: tokenInFile && file.mode !== null && (file.mode & 0o077) !== 0,
  });
}

async function readConfigFile(options: LoadAgentConfigOptions): Promise<ConfigFile> {
  const explicit = options.configPath ?? nonEmpty(options.env[CONFIG_PATH_ENV]);
  const path = resolve(options.cwd, explicit ?? DEFAULT_CONFIG_FILE);
  const setting = `config file ${path}`;
  let text: string;
  let mode: number;
  try {
    text = await readFile(path, 'utf8');
    mode = (await stat(path)).mode;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Without --config or WEFT_AGENT_CONFIG the file is optional: the environment may say it all.
    if (code === 'ENOENT' && explicit === undefined) return { path: null, values: {}, mode: null };
    const message =
      code === 'ENOENT' ? 'was not found' : `cannot be read (${code ?? 'unknown error'})`;
    throw new AgentConfigError('config-file-unreadable', [{ setting, message }]);
  }

  // prettyErrors off: a pretty error quotes the offending line, which may hold a secret.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const syntaxError = document.errors[0];
  if (syntaxError !== undefined) {
    const at = lineCounter.linePos(syntaxError.pos[0]);
    const where = ` at line ${at.line}, column ${at.col}`;
    throw new AgentConfigError('config-file-malformed', [
      { setting, message: `is not valid YAML${where} (${syntaxError.code})` },
    ]);
  }
  const values: unknown = document.toJS();
  if (values === null || values === undefined) return { path, values: {}, mode };
  if (typeof values !== 'object' || Array.isArray(values)) {
    throw new AgentConfigError('config-file-malformed', [
      { setting, message: 'must be a YAML mapping of settings' },
    ]);
  }
  return { path, values: values as Record<string, unknown>, mode };
}

function unknownYamlKeys(values: Record<string, unknown>): ConfigProblem[] {
  return Object.keys(values)
    .filter((key) => !Object.hasOwn(AGENT_SETTINGS, key))
    .map((key) => ({ setting: key, message: 'is not a known setting (see weft-agent --help)' }));
}

function readEnvironment(env: LoadAgentConfigOptions['env']): {
  values: Partial<Record<SettingKey, unknown>>;
  problems: ConfigProblem[];
} {
  const values: Partial<Record<SettingKey, unknown>> = {};
  const known = new Set<string>([CONFIG_PATH_ENV]);
  for (const key of SETTING_KEYS) {
    const name = envNameFor(key);
    known.add(name);
    const text = nonEmpty(env[name]);
    if (text !== undefined) values[key] = fromEnvText(AGENT_SETTINGS[key].kind, text);
  }
  // A misspelt variable would otherwise be silently ignored while a default applies.
  const problems = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && !known.has(name))
    .map((name) => ({ setting: name, message: 'is not a known setting (see weft-agent --help)' }));
  return { values, problems };
}

function fromEnvText(kind: SettingKind, text: string): unknown {
  switch (kind) {
    case 'string':
      return text;
    case 'integer':
      // Anything but plain digits stays text, so validation reports "must be an integer".
      return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
    case 'boolean': {
      // Only the two words; anything else stays text, so validation reports "must be true or false".
      const word = text.trim().toLowerCase();
      return word === 'true' ? true : word === 'false' ? false : text;
    }
    case 'list':
      return text
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
  }
}

function validationProblems(input: AgentSettingsInput): ConfigProblem[] {
  const errors = validateSync(input, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // Keep values (possibly secrets) out of the error objects altogether.
    validationError: { target: false, value: false },
  });
  return errors.map((error: ValidationError) => {
    const key = error.property as SettingKey;
    const message = firstMessage(error.constraints ?? {});
    return Object.hasOwn(AGENT_SETTINGS, key)
      ? { setting: key, env: envNameFor(key), message }
      : { setting: error.property, message: 'is not a known setting (see weft-agent --help)' };
  });
}

// Decorators run bottom-up, so order alone cannot say which problem is most basic: report a missing
// value or a wrong type before range and format complaints that follow from it.
const MOST_BASIC_FIRST = ['isDefined', 'isString', 'isInt', 'isBoolean', 'isArray', 'isIn'];

function firstMessage(constraints: Record<string, string>): string {
  const basic = MOST_BASIC_FIRST.find((name) => constraints[name] !== undefined);
  return (
    (basic === undefined ? undefined : constraints[basic]) ??
    Object.values(constraints)[0] ??
    'is invalid'
  );
}

function sortBySetting(problems: ConfigProblem[]): ConfigProblem[] {
  const rank = (setting: string): number => {
    const index = SETTING_KEYS.indexOf(setting as SettingKey);
    return index === -1 ? -1 : index;
  };
  return [...problems].sort((a, b) => rank(a.setting) - rank(b.setting));
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
