export type {
  ConnectorRecord,
  ConnectorLogger,
  EgressGuard,
  ConnectorContext,
  WriteSummary,
  ConnectorDefinition,
} from './contract.js';
export { ConnectorError, CONNECTOR_ERROR_CODES } from './errors.js';
export type { ConnectorErrorCode, ConnectorErrorOptions } from './errors.js';
export { resolveSecret, isSecretReference, isSecretValue, redactConfig } from './secrets.js';
export type { SecretReference, SecretValue } from './secrets.js';
export { createEgressGuard } from './egress/policy.js';
export type {
  EgressPolicy,
  EgressPolicyOptions,
  EgressDecision,
  HostResolver,
  ResolvedAddress,
} from './egress/policy.js';
export { classifyAddress } from './egress/ip.js';
export type { AddressCategory } from './egress/ip.js';
export { createHttpClient } from './http/client.js';
export type {
  HttpClient,
  HttpClientOptions,
  HttpProxyOptions,
  HttpRequest,
  HttpResponse,
} from './http/client.js';
export { createHttpConnector } from './connectors/http/index.js';
export type { HttpAuth, HttpConnectorConfig, HttpPagination } from './connectors/http/index.js';
export { createMemoryConnector } from './example/memory.js';
export type { MemoryConnectorConfig, MemoryStore } from './example/memory.js';
export { connectorContext, collectBatches, batchesOf } from './testing/context.js';
export type {
  ConnectorContextOverrides,
  TestConnectorContext,
  LogEntry,
} from './testing/context.js';
