import { ConnectorError, type SecretValue } from '@weft/connector-sdk';
import {
  booleanAt,
  integerAt,
  invalid,
  objectAt,
  oneOf,
  onlyKeys,
  optionalString,
  secretAt,
  stringAt,
} from '../internal/config.js';
import {
  RECORD_FORMATS,
  type InvalidRecordPolicy,
  type RecordFormat,
} from '../internal/formats.js';

export interface S3Config {
  readonly bucket: string;
  /** Reading: every object whose key starts with it. Writing without `key`: the folder of the object. */
  readonly prefix?: string;
  /** One object: read alone, or the object written. */
  readonly key?: string;
  readonly region: string;
  /** An S3-compatible server (http: or https:); default AWS. Its host passes the egress policy. */
  readonly endpoint?: URL;
  readonly forcePathStyle: boolean;
  readonly credentials: {
    readonly accessKeyId: SecretValue;
    readonly secretAccessKey: SecretValue;
  };
  readonly format: RecordFormat;
  readonly csvDelimiter?: string;
  readonly batchSize: number;
  readonly onInvalidRecord: InvalidRecordPolicy;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function validateS3Config(value: unknown): S3Config {
  const config = objectAt(value, 'config');
  onlyKeys(config, '', [
    'bucket',
    'prefix',
    'key',
    'region',
    'endpoint',
    'forcePathStyle',
    'credentials',
    'format',
    'csv',
    'batchSize',
    'onInvalidRecord',
  ]);
  const bucket = stringAt(config['bucket'], 'bucket');
  if (!BUCKET.test(bucket)) throw invalid('bucket', 'is not a valid bucket name');
  const prefix = config['prefix'] === '' ? '' : optionalString(config['prefix'], 'prefix');
  const key = optionalString(config['key'], 'key');
  if (prefix !== undefined && key !== undefined)
    throw invalid('key', 'and prefix cannot both be set');
  const credentials = objectAt(config['credentials'], 'credentials');
  onlyKeys(credentials, 'credentials', ['accessKeyId', 'secretAccessKey']);
  const csv = config['csv'] === undefined ? {} : objectAt(config['csv'], 'csv');
  onlyKeys(csv, 'csv', ['delimiter']);
  const csvDelimiter = optionalString(csv['delimiter'], 'csv.delimiter');
  const endpoint = endpointAt(config['endpoint']);
  return {
    bucket,
    ...(prefix === undefined ? {} : { prefix }),
    ...(key === undefined ? {} : { key }),
    region: stringAt(config['region'], 'region'),
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle: booleanAt(config['forcePathStyle'], 'forcePathStyle', false),
    credentials: {
      accessKeyId: secretAt(credentials['accessKeyId'], 'credentials.accessKeyId'),
      secretAccessKey: secretAt(credentials['secretAccessKey'], 'credentials.secretAccessKey'),
    },
    format: oneOf<RecordFormat>(config['format'], 'format', RECORD_FORMATS),
    ...(csvDelimiter === undefined ? {} : { csvDelimiter }),
    batchSize: integerAt(config['batchSize'], 'batchSize', 1000, 1, 100_000),
    onInvalidRecord: oneOf<InvalidRecordPolicy>(
      config['onInvalidRecord'],
      'onInvalidRecord',
      ['fail', 'skip'],
      'fail',
    ),
  };
}

function endpointAt(value: unknown): URL | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(stringAt(value, 'endpoint'));
  } catch (error) {
    if (ConnectorError.is(error)) throw error;
    throw invalid('endpoint', 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConnectorError(
      'protocol_denied',
      `endpoint scheme ${url.protocol} is not allowed (https: or http: only)`,
    );
  }
  if (url.username !== '' || url.password !== '')
    throw invalid('endpoint', 'must not carry credentials');
  return url;
}
