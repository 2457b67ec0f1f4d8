import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { ConnectorError, resolveSecret, type ConnectorContext } from '@weft/connector-sdk';
import type { S3Config } from './config.js';

/**
 * Every connection the SDK opens — to the endpoint or to AWS's own hosts — asks the egress guard
 * for its address through the agents' DNS lookup hook, so a denied or rebinding name is never
 * reached. TLS still verifies the certificate against the host name.
 */
export function guardedLookup(
  ctx: Pick<ConnectorContext, 'egress'>,
  portFor: (host: string) => number,
): LookupFunction {
  return (hostname, options, callback) => {
    ctx.egress.resolve(hostname, portFor(hostname)).then(
      ({ address, family }) => {
        if ((options as { all?: boolean }).all) callback(null, [{ address, family }]);
        else callback(null, address, family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}

export async function createS3Client(
  config: S3Config,
  ctx: ConnectorContext,
): Promise<{ client: S3Client; close(): void }> {
  const endpoint = config.endpoint;
  const defaultPort = (protocol: string): number => (protocol === 'http:' ? 80 : 443);
  const endpointPort =
    endpoint === undefined ? 443 : Number(endpoint.port || defaultPort(endpoint.protocol));
  const endpointHost = endpoint?.hostname.replace(/^\[(.*)\]$/, '$1');
  // Checked once up front so that a denied endpoint fails with egress_denied, not a socket error.
  if (endpointHost !== undefined) await ctx.egress.resolve(endpointHost, endpointPort);
  const lookup = guardedLookup(ctx, (host) => (host === endpointHost ? endpointPort : 443));
  const agentOptions = { keepAlive: true, maxSockets: 8, lookup } as http.AgentOptions;
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const client = new S3Client({
    region: config.region,
    ...(endpoint === undefined ? {} : { endpoint: endpoint.href }),
    forcePathStyle: config.forcePathStyle,
    credentials: {
      accessKeyId: resolveSecret(config.credentials.accessKeyId, ctx, 'credentials.accessKeyId'),
      secretAccessKey: resolveSecret(
        config.credentials.secretAccessKey,
        ctx,
        'credentials.secretAccessKey',
      ),
    },
    maxAttempts: 3,
    requestHandler: { httpAgent, httpsAgent, connectionTimeout: 15_000, requestTimeout: 120_000 },
  });
  return {
    client,
    close() {
      client.destroy();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

const AUTH = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'InvalidToken',
  'ExpiredToken',
]);
const MISSING = new Set(['NoSuchBucket', 'NoSuchKey', 'NotFound']);

/** Maps an AWS SDK error to a ConnectorError by its name and status, never its message text. */
export function toS3Error(error: unknown, during: string, signal: AbortSignal): ConnectorError {
  if (ConnectorError.is(error)) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (ConnectorError.is(cause)) return cause;
  if (signal.aborted)
    return new ConnectorError('cancelled', 'the run was cancelled', { cause: error });
  const name = (error as { name?: unknown } | null)?.name;
  const code = (error as { code?: unknown } | null)?.code;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata
    ?.httpStatusCode;
  const label = typeof name === 'string' ? name : typeof code === 'string' ? code : 'unknown';
  const text = `s3 ${during} failed: ${label}${status === undefined ? '' : ` (HTTP ${status})`}`;
  if (typeof name === 'string' && AUTH.has(name))
    return new ConnectorError('auth_failed', text, { cause: error });
  if ((typeof name === 'string' && MISSING.has(name)) || status === 404)
    return new ConnectorError('not_found', text, { cause: error });
  if (name === 'TimeoutError' || code === 'ETIMEDOUT')
    return new ConnectorError('timeout', text, { cause: error });
  const retryable = status === undefined || status >= 500 || status === 429;
  return new ConnectorError('remote_error', text, { cause: error, retryable });
}
