import { ConnectorError } from '../errors.js';

const RETRYABLE_NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Maps what undici or the socket threw to a ConnectorError; the message names the host, never the data. */
export function toConnectorError(
  error: unknown,
  url: URL,
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
): ConnectorError {
  if (ConnectorError.is(error)) return error;
  if (callerSignal?.aborted)
    return new ConnectorError('cancelled', `request to ${url.host} cancelled`, { cause: error });
  const name = (error as { name?: unknown }).name;
  const code = String((error as { code?: unknown }).code ?? '');
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code.endsWith('TIMEOUT') ||
    code === 'UND_ERR_ABORTED'
  ) {
    return new ConnectorError('timeout', `request to ${url.host} exceeded ${timeoutMs} ms`, {
      cause: error,
    });
  }
  if (
    code.startsWith('ERR_TLS') ||
    code.includes('CERT') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
  ) {
    return new ConnectorError('remote_error', `TLS with ${url.host} failed (${code})`, {
      cause: error,
      retryable: false,
    });
  }
  return new ConnectorError(
    'remote_error',
    `request to ${url.host} failed${code ? ` (${code})` : ''}`,
    {
      cause: error,
      retryable: RETRYABLE_NETWORK.has(code) || code === '',
    },
  );
}
