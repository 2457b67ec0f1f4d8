import type { ConnectorDefinition } from '../../contract.js';
import { TokenCache } from './auth.js';
import { validateHttpConfig, type HttpConnectorConfig } from './config.js';
import { readHttp } from './read.js';
import { writeHttp } from './write.js';

export type { HttpAuth, HttpConnectorConfig, HttpPagination } from './config.js';

/**
 * The built-in HTTP/REST connector. Each instance keeps its own OAuth2 token cache; the agent
 * creates one and reuses it across runs so tokens are fetched once per lifetime, not per page.
 */
export function createHttpConnector(): ConnectorDefinition<HttpConnectorConfig> {
  const tokens = new TokenCache();
  return {
    type: 'http',
    description:
      'Reads from and writes to HTTP/REST APIs (JSON), with pagination, retries and OAuth2',
    validate: validateHttpConfig,
    read: (config, ctx) => readHttp(config, ctx, tokens),
    write: (config, batches, ctx) => writeHttp(config, batches, ctx, tokens),
  };
}
