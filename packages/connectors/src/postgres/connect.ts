import { isIP } from 'node:net';
import { ConnectorError, resolveSecret, type ConnectorContext } from '@weft/connector-sdk';
import pg from 'pg';
import { parsePostgresUrl, type PostgresConfig } from './config.js';

// Dates, times and bytea stay as PostgreSQL's text: records are JSON, and parsing timestamps
// into local-time Date objects would shift values without a zone.
const RAW_TEXT_TYPES = new Set([17, 1082, 1083, 1114, 1184, 1266, 1186]);
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (RAW_TEXT_TYPES.has(oid)) return (value: string) => value;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as unknown as pg.CustomTypesConfig;

/**
 * Opens a client to the address the egress guard approved (never re-resolving the name: DNS
 * rebinding), with TLS checked against the configured host name.
 */
export async function connectPostgres(
  config: PostgresConfig,
  ctx: ConnectorContext,
): Promise<pg.Client> {
  const connection = config.connection;
  const target =
    'url' in connection
      ? parsePostgresUrl(resolveSecret(connection.url, ctx, 'connection.url'))
      : {
          host: connection.host,
          port: connection.port,
          database: connection.database,
          user: connection.user,
          password: resolveSecret(connection.password, ctx, 'connection.password'),
        };
  const { address } = await ctx.egress.resolve(target.host, target.port);
  const ssl = connection.ssl;
  const client = new pg.Client({
    host: address,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    types,
    connectionTimeoutMillis: 15_000,
    ssl:
      ssl === undefined || ssl.mode === 'disable'
        ? false
        : {
            // 'require' encrypts without checking the certificate (libpq's meaning).
            rejectUnauthorized: ssl.mode === 'verify-full',
            ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
            ...(ssl.ca === undefined
              ? {}
              : { ca: resolveSecret(ssl.ca, ctx, 'connection.ssl.ca') }),
          },
  });
  // An idle client losing its server emits 'error'; without a listener it would crash the agent.
  client.on('error', (error) =>
    ctx.logger.warn('postgres connection error', { code: codeOf(error) }),
  );
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw toConnectorError(error, 'connect');
  }
  return client;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATE classes that concern one record's data: the record fails, the run goes on. */
export function isRecordError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && /^(22|23|21)/.test(code);
}

/**
 * Maps a pg or socket error to a ConnectorError. PostgreSQL's message is kept only for classes
 * about the statement or the connection (42, 3D, 28, 08), which quote the SQL or names; data
 * errors (22, 23) quote values, so only their SQLSTATE and the constraint or column name are kept.
 */
export function toConnectorError(error: unknown, during: string): ConnectorError {
  if (ConnectorError.is(error)) return error;
  const code = codeOf(error) ?? 'unknown';
  const pgError = error as { message?: string; constraint?: string; column?: string };
  const message = typeof pgError.message === 'string' ? pgError.message : 'unknown error';
  const detail = /^(42|3D|28|08|57|53|25|0A)/.test(code)
    ? `: ${message}`
    : [
        pgError.constraint && ` (constraint ${pgError.constraint})`,
        pgError.column && ` (column ${pgError.column})`,
      ]
        .filter(Boolean)
        .join('');
  const text = `postgres ${during} failed with ${code}${detail}`;
  if (code.startsWith('28')) return new ConnectorError('auth_failed', text, { cause: error });
  if (code === '3D000' || code === '42P01' || code === '3F000') {
    return new ConnectorError('not_found', text, { cause: error });
  }
  if (code === '57014') return new ConnectorError('cancelled', text, { cause: error });
  if (
    /^E[A-Z]+$/.test(code) ||
    code.startsWith('08') ||
    code.startsWith('57P') ||
    code.startsWith('53')
  ) {
    return new ConnectorError('remote_error', text, { cause: error, retryable: true });
  }
  if (message.includes('timeout')) return new ConnectorError('timeout', text, { cause: error });
  return new ConnectorError('remote_error', text, { cause: error, retryable: false });
}

/** Double-quotes an already validated identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
