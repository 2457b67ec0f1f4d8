import type { ConnectorDefinition } from '@weft/connector-sdk';
import { filesConnector } from './files/index.js';
import { postgresConnector } from './postgres/index.js';
import { s3Connector } from './s3/index.js';

export { postgresConnector } from './postgres/index.js';
export type {
  PostgresConfig,
  PostgresConnection,
  PostgresRead,
  PostgresSslMode,
  PostgresWrite,
  PostgresWriteMode,
} from './postgres/config.js';
export { s3Connector } from './s3/index.js';
export type { S3Config } from './s3/config.js';
export { filesConnector } from './files/index.js';
export type { FilesConfig } from './files/config.js';
export type { InvalidRecordPolicy, RecordFormat } from './internal/formats.js';

/** The connectors every agent ships with, in the order they are listed to designers. */
export const BUILT_IN_CONNECTORS: readonly ConnectorDefinition[] = Object.freeze([
  postgresConnector,
  s3Connector,
  filesConnector,
] as ConnectorDefinition[]);
