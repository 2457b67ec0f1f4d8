import { ConnectorError } from '../../errors.js';
import { isSecretValue, type SecretValue } from '../../secrets.js';
import { parseUrl } from '../../http/client.js';

export type HttpAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: SecretValue; readonly password: SecretValue }
  | { readonly kind: 'bearer'; readonly token: SecretValue }
  | {
      readonly kind: 'oauth2-client-credentials';
      readonly tokenUrl: string;
      readonly clientId: SecretValue;
      readonly clientSecret: SecretValue;
      readonly scope?: string;
      /** How the client authenticates to the token endpoint (RFC 6749 §2.3.1). Default 'basic'. */
      readonly clientAuth?: 'basic' | 'body';
    };

export type HttpPagination =
  | { readonly kind: 'none' }
  /** ?page=1,2,3… until a page has fewer than `size` records (or none). */
  | {
      readonly kind: 'page-number';
      readonly param: string;
      readonly size?: number;
      readonly sizeParam?: string;
      readonly start?: number;
    }
  /** Follows Link: <…>; rel="next" (same origin only). */
  | { readonly kind: 'link-header' }
  /** Reads the next cursor at `path` in the body and sends it as ?param=; stops when it is absent. */
  | { readonly kind: 'cursor'; readonly path: string; readonly param: string };

export interface HttpConnectorConfig {
  readonly url: string;
  /** Default GET for read and POST for write. */
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly headers: Readonly<Record<string, SecretValue>>;
  readonly query: Readonly<Record<string, string>>;
  readonly auth: HttpAuth;
  readonly pagination: HttpPagination;
  /** Dotted path to the array of records in a read response ('data.items'); unset: the body itself. */
  readonly recordsPath?: string;
  /** Write: one JSON array per batch of at most batchSize records, or one request per record. */
  readonly body: { readonly mode: 'batch' | 'per-record'; readonly batchSize: number };
  /** Sent with each write request, valued `<run idempotency key>:<index of the first record>`. */
  readonly idempotencyHeader?: string;
  readonly retries: {
    readonly maxAttempts: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
  };
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxPages: number;
  readonly proxy?: { readonly url: string; readonly noProxy?: string };
  readonly ca?: readonly string[];
  readonly clientCert?: { readonly cert: string; readonly key: SecretValue };
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function fail(message: string): never {
  throw new ConnectorError('invalid_config', message);
}
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function optionalObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined) return {};
  return isObject(value) ? value : fail(`${field} must be an object`);
}
function text(value: unknown, field: string): string {
  return typeof value === 'string' && value.trim() !== ''
    ? value
    : fail(`${field} must be a non-empty string`);
}
function optionalText(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : text(value, field);
}
function secret(value: unknown, field: string): SecretValue {
  return isSecretValue(value) ? value : fail(`${field} must be a string or { secret: NAME }`);
}
function integer(
  value: unknown,
  field: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail(`${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function validateAuth(value: unknown): HttpAuth {
  if (value === undefined) return { kind: 'none' };
  const auth = optionalObject(value, 'auth');
  switch (auth.kind) {
    case 'none':
      return { kind: 'none' };
    case 'basic':
      return {
        kind: 'basic',
        username: secret(auth.username, 'auth.username'),
        password: secret(auth.password, 'auth.password'),
      };
    case 'bearer':
      return { kind: 'bearer', token: secret(auth.token, 'auth.token') };
    case 'oauth2-client-credentials': {
      const clientAuth = auth.clientAuth ?? 'basic';
      if (clientAuth !== 'basic' && clientAuth !== 'body')
        fail('auth.clientAuth must be basic or body');
      const scope = optionalText(auth.scope, 'auth.scope');
      return {
        kind: 'oauth2-client-credentials',
        tokenUrl: parseUrl(text(auth.tokenUrl, 'auth.tokenUrl'), 'auth.tokenUrl').href,
        clientId: secret(auth.clientId, 'auth.clientId'),
        clientSecret: secret(auth.clientSecret, 'auth.clientSecret'),
        clientAuth,
        ...(scope === undefined ? {} : { scope }),
      };
    }
    default:
      return fail('auth.kind must be none, basic, bearer or oauth2-client-credentials');
  }
}

function validatePagination(value: unknown): HttpPagination {
  if (value === undefined) return { kind: 'none' };
  const paging = optionalObject(value, 'pagination');
  switch (paging.kind) {
    case 'none':
    case 'link-header':
      return { kind: paging.kind };
    case 'page-number': {
      const sizeParam = optionalText(paging.sizeParam, 'pagination.sizeParam');
      return {
        kind: 'page-number',
        param: text(paging.param, 'pagination.param'),
        start: integer(paging.start, 'pagination.start', 1, 0, 1_000_000),
        ...(paging.size === undefined
          ? {}
          : { size: integer(paging.size, 'pagination.size', 1, 1, 100_000) }),
        ...(sizeParam === undefined ? {} : { sizeParam }),
      };
    }
    case 'cursor':
      return {
        kind: 'cursor',
        path: text(paging.path, 'pagination.path'),
        param: text(paging.param, 'pagination.param'),
      };
    default:
      return fail('pagination.kind must be none, page-number, link-header or cursor');
  }
}

function stringRecord(value: unknown, field: string): Record<string, string> {
  const entries = Object.entries(optionalObject(value, field));
  for (const [name, item] of entries)
    if (typeof item !== 'string') fail(`${field}.${name} must be a string`);
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Checks an HTTP connection's configuration (no I/O) and applies the defaults. */
export function validateHttpConfig(value: unknown): HttpConnectorConfig {
  if (!isObject(value)) fail('the configuration must be an object');
  const url = parseUrl(text(value.url, 'url')).href;
  const method = value.method;
  if (method !== undefined && !METHODS.includes(method as (typeof METHODS)[number])) {
    fail(`method must be one of ${METHODS.join(', ')}`);
  }
  const headers = optionalObject(value.headers, 'headers');
  for (const [name, item] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) fail(`headers has an invalid header name`);
    secret(item, `headers.${name}`);
  }
  const body = optionalObject(value.body, 'body');
  const mode = body.mode ?? 'batch';
  if (mode !== 'batch' && mode !== 'per-record') fail('body.mode must be batch or per-record');
  const retries = optionalObject(value.retries, 'retries');
  const proxy = value.proxy === undefined ? undefined : optionalObject(value.proxy, 'proxy');
  const cert =
    value.clientCert === undefined ? undefined : optionalObject(value.clientCert, 'clientCert');
  if (
    value.ca !== undefined &&
    (!Array.isArray(value.ca) || !value.ca.every((item) => typeof item === 'string'))
  ) {
    fail('ca must be an array of PEM strings');
  }
  const recordsPath = optionalText(value.recordsPath, 'recordsPath');
  const idempotencyHeader = optionalText(value.idempotencyHeader, 'idempotencyHeader');
  if (idempotencyHeader !== undefined && !HEADER_NAME.test(idempotencyHeader))
    fail('idempotencyHeader is not a header name');
  return {
    url,
    ...(method === undefined ? {} : { method: method as HttpConnectorConfig['method'] }),
    headers: headers as Record<string, SecretValue>,
    query: stringRecord(value.query, 'query'),
    auth: validateAuth(value.auth),
    pagination: validatePagination(value.pagination),
    ...(recordsPath === undefined ? {} : { recordsPath }),
    body: { mode, batchSize: integer(body.batchSize, 'body.batchSize', 100, 1, 10_000) },
    ...(idempotencyHeader === undefined ? {} : { idempotencyHeader }),
    retries: {
      maxAttempts: integer(retries.maxAttempts, 'retries.maxAttempts', 3, 1, 10),
      baseDelayMs: integer(retries.baseDelayMs, 'retries.baseDelayMs', 500, 0, 60_000),
      maxDelayMs: integer(retries.maxDelayMs, 'retries.maxDelayMs', 30_000, 0, 300_000),
    },
    timeoutMs: integer(value.timeoutMs, 'timeoutMs', 30_000, 100, 600_000),
    maxResponseBytes: integer(
      value.maxResponseBytes,
      'maxResponseBytes',
      10 * 1024 * 1024,
      1,
      1024 * 1024 * 1024,
    ),
    maxPages: integer(value.maxPages, 'maxPages', 10_000, 1, 1_000_000),
    ...(proxy === undefined
      ? {}
      : {
          proxy: {
            url: parseUrl(text(proxy.url, 'proxy.url'), 'proxy.url').href,
            ...(proxy.noProxy === undefined
              ? {}
              : { noProxy: text(proxy.noProxy, 'proxy.noProxy') }),
          },
        }),
    ...(value.ca === undefined ? {} : { ca: value.ca as string[] }),
    ...(cert === undefined
      ? {}
      : {
          clientCert: {
            cert: text(cert.cert, 'clientCert.cert'),
            key: secret(cert.key, 'clientCert.key'),
          },
        }),
  };
}
