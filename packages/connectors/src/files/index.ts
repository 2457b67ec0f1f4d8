import type { ConnectorDefinition } from '@weft/connector-sdk';
import { validateFilesConfig, type FilesConfig } from './config.js';
import { readFiles, writeFiles } from './transfer.js';

export const filesConnector: ConnectorDefinition<FilesConfig> = {
  type: 'files',
  description:
    "Files on a private agent's disk, under a configured root directory (NDJSON, JSON array, CSV)",
  privateOnly: true,
  validate: validateFilesConfig,
  read: readFiles,
  write: writeFiles,
};
