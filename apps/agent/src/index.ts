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
export { OPERATION_LOG_LEVELS, OPERATION_LOG_STEPS } from './runs/work-source.js';
export type {
  OperationLogMessage,
  OperationRunner,
  RecordCounts,
  ReleaseReason,
  RunAssignment,
  RunContext,
  RunOutcome,
  RunTracker,
  WorkSource,
} from './runs/work-source.js';
export {
  GatewayClient,
  registerSecret,
  type GatewayCallOptions,
  type GatewayClientOptions,
} from './gateway/gateway-client.js';
export {
  GatewayTransport,
  MAX_GATEWAY_BODY_BYTES,
  type GatewayCall,
  type GatewayResponse,
  type GatewayTransportOptions,
} from './gateway/gateway-transport.js';
export { GatewayWorkSource, type GatewayWorkSourceOptions } from './gateway/gateway-work-source.js';
export {
  AgentGatewayError,
  GATEWAY_ERROR_CODES,
  type GatewayErrorCode,
} from './gateway/gateway.error.js';
export { DEFAULT_RETRY, type RetryPolicy } from './gateway/retry.js';
export {
  TOKEN_SIGNATURE_CONTEXT,
  readAgentIdentity,
  signChallenge,
  type AgentIdentity,
} from './identity/agent-identity.js';
export {
  ConnectorOperationRunner,
  type ConnectorOperationRunnerOptions,
} from './operations/connector-operation-runner.js';
export { ConnectorRegistry, builtInConnectors } from './operations/connector-registry.js';
export { OperationRunError, type OperationRunErrorCode } from './operations/operation-run.error.js';
export { parseOperation, type ConnectorStep, type OperationV1 } from './operations/operation.js';
export { substituteVariables } from './operations/config-variables.js';
export { compileOperationMapping, type OperationMapping } from './operations/operation-mapping.js';
export { buildRecordInterfaces, type InterfaceDefinition } from './operations/record-interfaces.js';
export {
  MAX_RUN_LOG_BYTES,
  MAX_RUN_LOG_MESSAGES,
  RunOperationLog,
  type OperationLogLevel,
  type OperationLogStep,
  type RunOperationLogOptions,
} from './operations/run-operation-log.js';
export { isVaultReference, openVaultSecrets } from './secrets/vault-secrets.js';
export { AgentLogFile } from './logging/agent-log-file.js';
export { AGENT_KINDS, type AgentKind } from './config/agent-settings.input.js';
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
