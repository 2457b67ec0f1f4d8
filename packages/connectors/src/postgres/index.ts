import { ConnectorError, type ConnectorDefinition } from '@weft/connector-sdk';
import { validatePostgresConfig, type PostgresConfig } from './config.js';
import { readPostgres } from './read.js';
import { writePostgres } from './write.js';

export const postgresConnector: ConnectorDefinition<PostgresConfig> = {
  type: 'postgres',
  description:
    'PostgreSQL: reads a query through a server-side cursor; inserts or upserts rows in batches',
  validate: validatePostgresConfig,
  read(config, ctx) {
    if (config.read === undefined)
      throw new ConnectorError('invalid_config', 'read is required to read');
    return readPostgres(config, config.read, ctx);
  },
  async write(config, batches, ctx) {
    if (config.write === undefined)
      throw new ConnectorError('invalid_config', 'write is required to write');
    return writePostgres(config, config.write, batches, ctx);
  },
};
