import { isAbsolute } from 'node:path';
import {
  booleanAt,
  integerAt,
  invalid,
  objectAt,
  oneOf,
  onlyKeys,
  optionalString,
  stringAt,
} from '../internal/config.js';
import {
  RECORD_FORMATS,
  type InvalidRecordPolicy,
  type RecordFormat,
} from '../internal/formats.js';

export interface FilesConfig {
  /** An absolute directory on the private agent; nothing outside it is read or written. */
  readonly root: string;
  /** Relative to root: a file, or (reading) a directory whose files are read in name order. */
  readonly path: string;
  readonly format: RecordFormat;
  readonly csvDelimiter?: string;
  readonly batchSize: number;
  readonly onInvalidRecord: InvalidRecordPolicy;
  /** Writing: replace an existing file (default true); false fails when it exists. */
  readonly overwrite: boolean;
}

export function validateFilesConfig(value: unknown): FilesConfig {
  const config = objectAt(value, 'config');
  onlyKeys(config, '', [
    'root',
    'path',
    'format',
    'csv',
    'batchSize',
    'onInvalidRecord',
    'overwrite',
  ]);
  const root = stringAt(config['root'], 'root');
  if (!isAbsolute(root)) throw invalid('root', 'must be an absolute path');
  const path = stringAt(config['path'], 'path');
  // Lexical checks here; the realpath check against symlinks happens at run time.
  if (isAbsolute(path) || path.includes('\0') || path.split(/[\\/]/).includes('..')) {
    throw invalid('path', 'must be relative to root, without ..');
  }
  const csv = config['csv'] === undefined ? {} : objectAt(config['csv'], 'csv');
  onlyKeys(csv, 'csv', ['delimiter']);
  const csvDelimiter = optionalString(csv['delimiter'], 'csv.delimiter');
  return {
    root,
    path,
    format: oneOf<RecordFormat>(config['format'], 'format', RECORD_FORMATS),
    ...(csvDelimiter === undefined ? {} : { csvDelimiter }),
    batchSize: integerAt(config['batchSize'], 'batchSize', 1000, 1, 100_000),
    onInvalidRecord: oneOf<InvalidRecordPolicy>(
      config['onInvalidRecord'],
      'onInvalidRecord',
      ['fail', 'skip'],
      'fail',
    ),
    overwrite: booleanAt(config['overwrite'], 'overwrite', true),
  };
}
