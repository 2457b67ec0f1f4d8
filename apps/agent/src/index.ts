// The agent's module API: what `weft-agent` is built from, for embedding and for tests.
export { runAgent, type RunAgentOptions, type AgentStopReport } from './agent.js';
export { runCli, type CliEnvironment } from './cli/run-cli.js';
export { renderHelp } from './cli/help-text.js';
export {
  exitCodeFor,
  onShutdownSignals,
  type ShutdownSignal,
  type SignalSource,
} from './cli/shutdown-signals.js';
export { loadAgentConfig, type LoadAgentConfigOptions } from './config/load-agent-config.js';
export {
  describeAgentConfig,
  secretValuesOf,
  type AgentConfig,
  type ProxyConfig,
} from './config/agent-config.js';
export {
  AgentConfigError,
  type AgentConfigErrorCode,
  type ConfigProblem,
} from './config/agent-config.error.js';
export {
  AGENT_SETTINGS,
  envNameFor,
  type SettingKey,
  type SettingSpec,
} from './config/settings.js';
export { SecretValue } from './config/secret-value.js';
export type {
  OperationRunner,
  ReleaseReason,
  RunAssignment,
  RunContext,
  RunOutcome,
  WorkSource,
} from './runs/work-source.js';
export { PendingGatewayWorkSource, UnavailableOperationRunner } from './runs/pending-gateway.js';
export { AgentRunError, type AgentRunErrorCode } from './runs/agent-run.error.js';
export { AGENT_IDENTITY_FILE } from './storage/agent-identity.js';
export { RUN_DIRECTORY_PREFIX } from './storage/work-directory.js';
export { AGENT_LOG_PREFIX } from './storage/log-retention.js';
export {
  MAX_SECRET_REFERENCE_LENGTH,
  parseSecretReference,
  resolveSecretReference,
  type SecretReference,
  type SecretReferenceIo,
} from './secrets/resolve-secret-reference.js';
export { MAX_SECRET_VALUE_BYTES, type SecretFileSystem } from './secrets/read-secret-file.js';
export {
  RUN_SECRET_KINDS,
  resolveRunSecrets,
  runSecretValuesOf,
  type ResolvedRunSecret,
  type RunSecret,
  type RunSecretKind,
} from './secrets/resolve-run-secrets.js';
export {
  NO_SECRET_REFERENCES,
  type SecretReferencePolicy,
} from './secrets/secret-reference-policy.js';
export {
  RunSecretsError,
  SECRET_REFERENCE_ERROR_CODES,
  SecretReferenceError,
  type RunSecretFailure,
  type RunSecretsErrorCode,
  type SecretReferenceErrorCode,
} from './secrets/secret-reference.error.js';
