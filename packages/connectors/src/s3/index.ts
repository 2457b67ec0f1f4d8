import type { ConnectorDefinition } from '@weft/connector-sdk';
import { validateS3Config, type S3Config } from './config.js';
import { readS3, writeS3 } from './transfer.js';

export const s3Connector: ConnectorDefinition<S3Config> = {
  type: 's3',
  description:
    'Amazon S3 or an S3-compatible store: reads objects under a prefix as records; writes records to an object',
  validate: validateS3Config,
  read: readS3,
  write: writeS3,
};
