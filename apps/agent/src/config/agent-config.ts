import type { AgentKind, AgentLogLevel } from './agent-settings.input.js';
import type { SecretReferencePolicy } from '../secrets/secret-reference-policy.js';
import type { SecretValue } from './secret-value.js';

export interface ProxyConfig {
  /** scheme://host:port, without credentials. */
  readonly origin: string;
  readonly username: string | null;
  readonly password: SecretValue | null;
  readonly noProxy: readonly string[];
}

/** The agent's settings after validation: defaults applied, paths absolute, units converted. */
export interface AgentConfig {
  /** The agent.yaml that was read, or null when every setting came from the environment. */
  readonly configFile: string | null;
  readonly gatewayUrl: string;
  readonly agentName: string;
  readonly agentGroupId: string;
  /** Present only until the agent has enrolled. */
  readonly enrolmentToken: SecretValue | null;
  /** private: inside the customer's network; cloud: run by Weft (stricter egress, no private-only connectors). */
  readonly agentKind: AgentKind;
  /** false: only status and counts of a run leave the agent (error messages are dropped). */
  readonly cloudLogging: boolean;
  readonly stateDir: string;
  readonly workDir: string;
  readonly logDir: string;
  readonly logLevel: AgentLogLevel;
  readonly logRetentionDays: number;
  readonly proxy: ProxyConfig | null;
  readonly caFile: string | null;
  /** What env:/file: secret references may reach on this host (secretEnvVariables, secretFileDirectories). */
  readonly secretReferences: SecretReferencePolicy;
  readonly maxConcurrentRuns: number;
  readonly shutdownGraceMs: number;
  /** null when the health endpoint is off. */
  readonly healthPort: number | null;
  /** Things worth an operator's attention that do not stop the agent (logged at start-up). */
  readonly warnings: readonly string[];
}

/** The secrets in a config, in plain text, for the logger's masking (and nothing else). */
export function secretValuesOf(config: AgentConfig): string[] {
  const secrets: string[] = [];
  if (config.enrolmentToken !== null) secrets.push(config.enrolmentToken.reveal());
  const password = config.proxy?.password?.reveal();
  if (password !== undefined && password !== '') {
    secrets.push(password, encodeURIComponent(password));
  }
  return secrets;
}

/** What the agent logs about its configuration at start-up: every setting, secrets reduced to set / not set. */
export function describeAgentConfig(config: AgentConfig): Record<string, unknown> {
  return {
    configFile: config.configFile,
    gatewayUrl: config.gatewayUrl,
    agentName: config.agentName,
    agentGroupId: config.agentGroupId,
    // Not "enrolmentToken": the logger masks any field named like a token, which would hide whether one is set.
    enrolment: config.enrolmentToken === null ? 'no token' : 'token set',
    agentKind: config.agentKind,
    cloudLogging: config.cloudLogging,
    stateDir: config.stateDir,
    workDir: config.workDir,
    logDir: config.logDir,
    logLevel: config.logLevel,
    logRetentionDays: config.logRetentionDays,
    proxyUrl: config.proxy === null ? null : describeProxy(config.proxy),
    noProxy: config.proxy?.noProxy ?? [],
    caFile: config.caFile,
    // Not "secret…": the logger masks any field named like a secret, and these lists are not.
    referenceEnvVariables: config.secretReferences.envVariables,
    referenceFileDirectories: config.secretReferences.fileDirectories,
    maxConcurrentRuns: config.maxConcurrentRuns,
    shutdownGraceSeconds: config.shutdownGraceMs / 1000,
    healthPort: config.healthPort ?? 0,
  };
}

function describeProxy(proxy: ProxyConfig): string {
  if (proxy.username === null) return proxy.origin;
  const { protocol, host } = new URL(proxy.origin);
  const password = proxy.password === null ? '' : ':***';
  return `${protocol}//${encodeURIComponent(proxy.username)}${password}@${host}`;
}
