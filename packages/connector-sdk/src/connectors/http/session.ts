import type { ConnectorContext } from '../../contract.js';
import { createHttpClient, type HttpClient, type HttpResponse } from '../../http/client.js';
import { resolveSecret } from '../../secrets.js';
import { createAuthSession, type AuthSession, type TokenCache } from './auth.js';
import type { HttpConnectorConfig } from './config.js';
import { expectSuccess, sendWithRetry } from './retry.js';

/** One read or write: an egress-guarded client, resolved headers and the auth to apply. */
export interface HttpSession {
  call(
    url: URL,
    method: string,
    body?: string,
    extraHeaders?: Record<string, string>,
  ): Promise<HttpResponse>;
  close(): Promise<void>;
}

export function openSession(
  config: HttpConnectorConfig,
  ctx: ConnectorContext,
  tokens: TokenCache,
): HttpSession {
  const http: HttpClient = createHttpClient({
    egress: ctx.egress,
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    ...(config.proxy ? { proxy: config.proxy } : {}),
    ...(config.ca ? { ca: config.ca } : {}),
    ...(config.clientCert
      ? {
          clientCert: {
            cert: config.clientCert.cert,
            key: resolveSecret(config.clientCert.key, ctx, 'clientCert.key'),
          },
        }
      : {}),
  });
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [name, value] of Object.entries(config.headers)) {
    headers[name.toLowerCase()] = resolveSecret(value, ctx, `headers.${name}`);
  }
  const auth: AuthSession = createAuthSession(config.auth, ctx, http, tokens, config.retries);

  async function send(
    url: URL,
    method: string,
    body: string | undefined,
    extra: Record<string, string>,
  ): Promise<HttpResponse> {
    const authorization = await auth.header();
    return sendWithRetry(
      http,
      {
        url,
        method,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...extra,
          ...(authorization ? { authorization } : {}),
        },
        ...(body === undefined ? {} : { body }),
        signal: ctx.signal,
      },
      config.retries,
      ctx.logger,
    );
  }

  return {
    async call(url, method, body, extraHeaders = {}) {
      let response = await send(url, method, body, extraHeaders);
      // An OAuth2 token can be revoked before it expires: fetch a fresh one once.
      if (response.status === 401 && auth.invalidate())
        response = await send(url, method, body, extraHeaders);
      return expectSuccess(response, method);
    },
    close: () => http.close(),
  };
}

/** The configured URL with the configured query parameters (and any extra ones) applied. */
export function withQuery(
  base: string | URL,
  ...queries: Array<Readonly<Record<string, string>>>
): URL {
  const url = new URL(base);
  for (const query of queries)
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}
