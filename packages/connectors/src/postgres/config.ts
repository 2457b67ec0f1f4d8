import { ConnectorError, type SecretValue } from '@weft/connector-sdk';
import {
  integerAt,
  invalid,
  objectAt,
  oneOf,
  onlyKeys,
  secretAt,
  stringAt,
} from '../internal/config.js';

export type PostgresSslMode = 'disable' | 'require' | 'verify-full';

export interface PostgresConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: SecretValue;
  readonly ssl?: { readonly mode: PostgresSslMode; readonly ca?: SecretValue };
}

export interface PostgresRead {
  /** One statement (SELECT, VALUES, TABLE …), authored by the integration designer. */
  readonly query: string;
  /** Values for $1, $2 … in the query, sent as bind parameters (never spliced into the SQL). */
  readonly params: readonly (string | number | boolean | null)[];
  readonly batchSize: number;
}

export type PostgresWriteMode = 'insert' | 'upsert';

export interface PostgresWrite {
  /** `table` or `schema.table`. */
  readonly table: readonly string[];
  readonly columns?: readonly string[];
  readonly mode: PostgresWriteMode;
  /** Upsert only: the columns of a unique index (ON CONFLICT target). */
  readonly key: readonly string[];
  /** Rows per INSERT statement (fewer when the row is wide: one statement binds at most 65,535 values). */
  readonly batchSize: number;
  /** A column that receives the run's idempotency key on every row written. */
  readonly idempotencyKeyColumn?: string;
}

export interface PostgresConfig {
  /** Either given as fields or as a postgres:// URL (which may be a secret reference). */
  readonly connection:
    PostgresConnection | { readonly url: SecretValue; readonly ssl?: PostgresConnection['ssl'] };
  readonly read?: PostgresRead;
  readonly write?: PostgresWrite;
}

// Unquoted-identifier syntax, at most 63 bytes (NAMEDATALEN - 1). Quoting is still applied, so
// this is belt and braces: no name can close the quote, and case is preserved as written.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

export function identifierAt(value: unknown, field: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw invalid(
      field,
      'must be an identifier (letters, digits, _ or $, not starting with a digit, at most 63)',
    );
  }
  return value;
}

function identifiersAt(value: unknown, field: string, min: number): string[] {
  if (!Array.isArray(value) || value.length < min)
    throw invalid(field, `must be a list of at least ${min} column names`);
  const names = value.map((item, index) => identifierAt(item, `${field}[${index}]`));
  if (new Set(names).size !== names.length) throw invalid(field, 'must not repeat a column');
  return names;
}

function sslAt(value: unknown, field: string): PostgresConnection['ssl'] {
  if (value === undefined) return undefined;
  const ssl = objectAt(value, field);
  onlyKeys(ssl, field, ['mode', 'ca']);
  const mode = oneOf<PostgresSslMode>(ssl['mode'], `${field}.mode`, [
    'disable',
    'require',
    'verify-full',
  ]);
  return ssl['ca'] === undefined ? { mode } : { mode, ca: secretAt(ssl['ca'], `${field}.ca`) };
}

function connectionAt(value: unknown): PostgresConfig['connection'] {
  const connection = objectAt(value, 'connection');
  if (connection['url'] !== undefined) {
    onlyKeys(connection, 'connection', ['url', 'ssl']);
    const url = secretAt(connection['url'], 'connection.url');
    // A literal URL is checked now; a secret one when it is resolved at run time.
    if (typeof url === 'string') parsePostgresUrl(url);
    const ssl = sslAt(connection['ssl'], 'connection.ssl');
    return ssl === undefined ? { url } : { url, ssl };
  }
  onlyKeys(connection, 'connection', ['host', 'port', 'database', 'user', 'password', 'ssl']);
  const ssl = sslAt(connection['ssl'], 'connection.ssl');
  return {
    host: stringAt(connection['host'], 'connection.host'),
    port: integerAt(connection['port'], 'connection.port', 5432, 1, 65535),
    database: stringAt(connection['database'], 'connection.database'),
    user: stringAt(connection['user'], 'connection.user'),
    password: secretAt(connection['password'], 'connection.password'),
    ...(ssl === undefined ? {} : { ssl }),
  };
}

export interface ParsedPostgresUrl {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

/** postgres: and postgresql: only; anything else is protocol_denied. Errors never quote the URL. */
export function parsePostgresUrl(text: string): ParsedPostgresUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('connection.url', 'is not a valid URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConnectorError(
      'protocol_denied',
      `connection.url scheme ${url.protocol} is not allowed (postgres: or postgresql: only)`,
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (host === '' || database === '' || url.username === '') {
    throw invalid('connection.url', 'must name a host, a user and a database');
  }
  return {
    host,
    port: url.port === '' ? 5432 : Number(url.port),
    database,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

function readAt(value: unknown): PostgresRead | undefined {
  if (value === undefined) return undefined;
  const read = objectAt(value, 'read');
  onlyKeys(read, 'read', ['query', 'params', 'batchSize']);
  const params = read['params'] ?? [];
  if (!Array.isArray(params)) throw invalid('read.params', 'must be a list');
  params.forEach((param: unknown, index) => {
    if (param !== null && !['string', 'number', 'boolean'].includes(typeof param)) {
      throw invalid(`read.params[${index}]`, 'must be a string, number, boolean or null');
    }
  });
  return {
    // DECLARE … CURSOR FOR takes one statement without its terminator.
    query: stringAt(read['query'], 'read.query').replace(/;\s*$/, ''),
    params: params as PostgresRead['params'],
    batchSize: integerAt(read['batchSize'], 'read.batchSize', 1000, 1, 100_000),
  };
}

function writeAt(value: unknown): PostgresWrite | undefined {
  if (value === undefined) return undefined;
  const write = objectAt(value, 'write');
  onlyKeys(write, 'write', [
    'table',
    'columns',
    'mode',
    'key',
    'batchSize',
    'idempotencyKeyColumn',
  ]);
  const tableText = stringAt(write['table'], 'write.table');
  const table = tableText.split('.');
  if (table.length > 2) throw invalid('write.table', 'must be table or schema.table');
  table.forEach((part) => identifierAt(part, 'write.table'));
  const mode = oneOf<PostgresWriteMode>(
    write['mode'],
    'write.mode',
    ['insert', 'upsert'],
    'insert',
  );
  const columns =
    write['columns'] === undefined
      ? undefined
      : identifiersAt(write['columns'], 'write.columns', 1);
  let key: string[] = [];
  if (mode === 'upsert') {
    key = identifiersAt(write['key'], 'write.key', 1);
    if (columns)
      for (const name of key)
        if (!columns.includes(name))
          throw invalid('write.key', `names ${name}, which is not in write.columns`);
  } else if (write['key'] !== undefined) {
    throw invalid('write.key', 'is only used with mode upsert');
  }
  const idempotencyKeyColumn =
    write['idempotencyKeyColumn'] === undefined
      ? undefined
      : identifierAt(write['idempotencyKeyColumn'], 'write.idempotencyKeyColumn');
  if (idempotencyKeyColumn !== undefined && columns?.includes(idempotencyKeyColumn)) {
    throw invalid('write.idempotencyKeyColumn', 'must not also be in write.columns');
  }
  return {
    table,
    ...(columns === undefined ? {} : { columns }),
    mode,
    key,
    batchSize: integerAt(write['batchSize'], 'write.batchSize', 1000, 1, 65_535),
    ...(idempotencyKeyColumn === undefined ? {} : { idempotencyKeyColumn }),
  };
}

export function validatePostgresConfig(value: unknown): PostgresConfig {
  const config = objectAt(value, 'config');
  onlyKeys(config, '', ['connection', 'read', 'write']);
  const read = readAt(config['read']);
  const write = writeAt(config['write']);
  return {
    connection: connectionAt(config['connection']),
    ...(read === undefined ? {} : { read }),
    ...(write === undefined ? {} : { write }),
  };
}
