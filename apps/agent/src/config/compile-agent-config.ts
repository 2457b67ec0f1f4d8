import { readFile } from 'node:fs/promises';
import { parse, resolve } from 'node:path';
import { overlaps } from '../secrets/host-paths.js';
import { hasAgentIdentity } from '../storage/agent-identity.js';
import { AgentConfigError, type ConfigProblem } from './agent-config.error.js';
import type { AgentConfig, ProxyConfig } from './agent-config.js';
import type { AgentSettingsInput } from './agent-settings.input.js';
import { compileSecretReferencePolicy } from './compile-secret-reference-policy.js';
import { SecretValue } from './secret-value.js';
import { envNameFor, type SettingKey } from './settings.js';

export interface CompileContext {
  readonly cwd: string;
  readonly configFile: string | null;
  readonly secretInLooselyReadableFile: boolean;
}

const DIRECTORY_SETTINGS = [
  'stateDir',
  'workDir',
  'logDir',
] as const satisfies readonly SettingKey[];

/** Cross-field and file-system rules over individually valid settings, then the compiled AgentConfig. */
export async function compileAgentConfig(
  input: AgentSettingsInput,
  context: CompileContext,
): Promise<AgentConfig> {
  const problems: ConfigProblem[] = [];
  const problem = (setting: SettingKey, message: string): void => {
    problems.push({ setting, env: envNameFor(setting), message });
  };
  const warnings: string[] = [];

  const directories = {
    stateDir: resolve(context.cwd, input.stateDir),
    workDir: resolve(context.cwd, input.workDir),
    logDir: resolve(context.cwd, input.logDir),
  };
  for (const [index, key] of DIRECTORY_SETTINGS.entries()) {
    const path = directories[key];
    if (parse(path).root === path) problem(key, 'must not be the file-system root');
    // The agent deletes things in workDir and logDir: they must never overlap the identity or each other.
    for (const earlier of DIRECTORY_SETTINGS.slice(0, index)) {
      if (overlaps(path, directories[earlier]))
        problem(key, `must not be, contain or lie inside ${earlier}`);
    }
  }

  if (input.noProxy !== undefined && input.noProxy.length > 0 && input.proxyUrl === undefined) {
    problem('noProxy', 'is set but proxyUrl is not');
  }

  const caFile = input.caFile === undefined ? null : resolve(context.cwd, input.caFile);
  if (caFile !== null) {
    const caProblem = await caFileProblem(caFile);
    if (caProblem !== undefined) problem('caFile', caProblem);
  }

  const secretReferences = await compileSecretReferencePolicy(
    input,
    { ...directories, configFile: context.configFile },
    problem,
  );

  const enrolled = await hasAgentIdentity(directories.stateDir);
  if (!enrolled && input.enrolmentToken === undefined) {
    problem(
      'enrolmentToken',
      'is required until the agent has enrolled (no identity in stateDir yet)',
    );
  }
  if (enrolled && input.enrolmentToken !== undefined) {
    warnings.push(
      'enrolmentToken is set but the agent has already enrolled; it is ignored and should be removed',
    );
  }
  if (context.secretInLooselyReadableFile) {
    warnings.push(
      'the config file holds enrolmentToken and is readable by other users: chmod 600 it or use WEFT_AGENT_ENROLMENT_TOKEN',
    );
  }

  if (problems.length > 0) throw new AgentConfigError('invalid-settings', problems);

  return {
    configFile: context.configFile,
    gatewayUrl: new URL(input.gatewayUrl).href,
    agentName: input.agentName,
    agentGroupId: input.agentGroupId,
    enrolmentToken:
      input.enrolmentToken === undefined ? null : new SecretValue(input.enrolmentToken),
    agentKind: input.agentKind,
    cloudLogging: input.cloudLogging,
    ...directories,
    logLevel: input.logLevel,
    logRetentionDays: input.logRetentionDays,
    proxy: input.proxyUrl === undefined ? null : compileProxy(input.proxyUrl, input.noProxy ?? []),
    caFile,
    secretReferences,
    maxConcurrentRuns: input.maxConcurrentRuns,
    shutdownGraceMs: input.shutdownGraceSeconds * 1000,
    healthPort: input.healthPort === 0 ? null : input.healthPort,
    warnings,
  };
}

async function caFileProblem(path: string): Promise<string | undefined> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`;
  }
  return pem.includes('-----BEGIN CERTIFICATE-----')
    ? undefined
    : 'must be a PEM file of CA certificates';
}

function compileProxy(proxyUrl: string, noProxy: readonly string[]): ProxyConfig {
  const url = new URL(proxyUrl);
  return {
    origin: `${url.protocol}//${url.host}`,
    username: url.username === '' ? null : decodeURIComponent(url.username),
    password: url.password === '' ? null : new SecretValue(decodeURIComponent(url.password)),
    noProxy: [...noProxy],
  };
}
