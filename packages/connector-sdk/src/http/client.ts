import { Agent, Pool, ProxyAgent, request as undiciRequest, type Dispatcher } from 'undici';
import type { EgressGuard } from '../contract.js';
import { ConnectorError } from '../errors.js';
import { guardedConnector, type TlsOptions } from './connector.js';
import { compileNoProxy } from './no-proxy.js';
import { toConnectorError } from './errors.js';

export interface HttpProxyOptions {
  /** http://host:port (or https://) of the forward proxy; tunnels with CONNECT. */
  readonly url: string;
  /** NO_PROXY-style list: names, .suffixes, addresses, CIDRs, '*'. */
  readonly noProxy?: string | readonly string[];
}

export interface HttpClientOptions {
  readonly egress: EgressGuard;
  readonly proxy?: HttpProxyOptions;
  /** Extra trusted CA certificates (PEM), added for the target's TLS. */
  readonly ca?: readonly string[];
  /** Client certificate (PEM) for mutual TLS. */
  readonly clientCert?: { readonly cert: string; readonly key: string };
  /** Whole-request deadline, redirects included. Default 30 s. */
  readonly timeoutMs?: number;
  /** Largest response body accepted. Default 10 MiB. */
  readonly maxResponseBytes?: number;
  /** Default 5. */
  readonly maxRedirects?: number;
}

export interface HttpRequest {
  readonly url: string | URL;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ', ' (set-cookie keeps its first value). */
  readonly headers: Readonly<Record<string, string>>;
  /** The final URL, after redirects. */
  readonly url: string;
  readonly body: Buffer;
  text(): string;
  /** Parses the body as JSON; a malformed body is a non-retryable remote_error. */
  json(): unknown;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Credentials meant for one origin never follow a redirect to another.
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * An HTTP client whose every connection passes the egress policy: direct connections dial the
 * address the policy approved; through a proxy, the policy checks the target before the CONNECT
 * and the proxy's own address when the tunnel to it is opened. Redirects are followed here, one hop
 * at a time, so each hop is checked again.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 5;
  const tls: TlsOptions = {
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.clientCert ? { cert: options.clientCert.cert, key: options.clientCert.key } : {}),
  };
  const direct = new Agent({ connect: guardedConnector(options.egress, tls, timeoutMs) });
  const proxy = options.proxy
    ? createProxy(options.proxy, options.egress, tls, timeoutMs)
    : undefined;
  const bypassProxy = compileNoProxy(options.proxy?.noProxy);

  async function dispatcherFor(url: URL): Promise<Dispatcher> {
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    if (!proxy || bypassProxy(url.hostname, port)) return direct;
    // The proxy resolves the name itself; checking it here still refuses internal targets.
    await options.egress.resolve(url.hostname.replace(/^\[|\]$/g, ''), port);
    return proxy;
  }

  async function send(request: HttpRequest): Promise<HttpResponse> {
    const signals = [AbortSignal.timeout(timeoutMs), ...(request.signal ? [request.signal] : [])];
    const signal = AbortSignal.any(signals);
    let url = parseUrl(request.url);
    let method = (request.method ?? 'GET').toUpperCase();
    let headers: Record<string, string> = lowerCaseKeys(request.headers ?? {});
    let body = request.body;
    for (let hop = 0; ; hop += 1) {
      let response: Dispatcher.ResponseData;
      try {
        response = await undiciRequest(url, {
          dispatcher: await dispatcherFor(url),
          method: method as Dispatcher.HttpMethod,
          headers,
          body: body ?? null,
          signal,
        });
      } catch (error) {
        throw toConnectorError(error, url, request.signal, timeoutMs);
      }
      const location = response.headers.location;
      if (REDIRECTS.has(response.statusCode) && typeof location === 'string') {
        await response.body.dump();
        if (hop >= maxRedirects) {
          throw new ConnectorError(
            'remote_error',
            `more than ${maxRedirects} redirects from ${url.host}`,
          );
        }
        const next = parseUrl(new URL(location, url));
        if (next.origin !== url.origin) {
          headers = Object.fromEntries(
            Object.entries(headers).filter(([name]) => !ORIGIN_BOUND_HEADERS.includes(name)),
          );
        }
        if (
          response.statusCode === 303 ||
          ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')
        ) {
          method = 'GET';
          body = undefined;
          delete headers['content-type'];
          delete headers['content-length'];
        }
        url = next;
        continue;
      }
      const data = await readLimited(response, maxResponseBytes, url, request.signal, timeoutMs);
      return toResponse(response, url, data);
    }
  }

  return {
    request: send,
    async close() {
      await Promise.all([direct.close(), proxy?.close()]);
    },
  };
}

function createProxy(
  config: HttpProxyOptions,
  egress: EgressGuard,
  tls: TlsOptions,
  timeoutMs: number,
): ProxyAgent {
  const proxyUrl = parseUrl(config.url, 'proxy.url');
  return new ProxyAgent({
    uri: proxyUrl.href,
    requestTls: {
      ...(tls.ca ? { ca: [...tls.ca] } : {}),
      ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
    },
    // The tunnel to the proxy goes through the egress policy too: a cloud agent's proxy must be allowed.
    clientFactory: (origin, clientOptions) =>
      new Pool(origin, {
        ...clientOptions,
        connect: guardedConnector(egress, { ...(tls.ca ? { ca: tls.ca } : {}) }, timeoutMs),
      }),
  });
}

/** Only http: and https:; anything else (file:, ftp:, gopher:, data:) is protocol_denied. */
export function parseUrl(value: string | URL, field = 'url'): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConnectorError('invalid_config', `${field} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectorError(
      'protocol_denied',
      `${field} uses ${url.protocol}; only http: and https: are allowed`,
    );
  }
  return url;
}

function lowerCaseKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

async function readLimited(
  response: Dispatcher.ResponseData,
  limit: number,
  url: URL,
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<Buffer> {
  const tooLarge = () =>
    new ConnectorError('remote_error', `response from ${url.host} is larger than ${limit} bytes`, {
      retryable: false,
    });
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    // The abort surfaces as an 'error' on the body; nobody reads it any more.
    response.body.on('error', () => undefined).destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        response.body.on('error', () => undefined).destroy();
        throw tooLarge();
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw ConnectorError.is(error) ? error : toConnectorError(error, url, callerSignal, timeoutMs);
  }
  return Buffer.concat(chunks);
}

function toResponse(response: Dispatcher.ResponseData, url: URL, body: Buffer): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value)
      ? name === 'set-cookie'
        ? (value[0] ?? '')
        : value.join(', ')
      : value;
  }
  return {
    status: response.statusCode,
    headers,
    url: url.href,
    body,
    text: () => body.toString('utf8'),
    json: () => {
      try {
        return JSON.parse(body.toString('utf8')) as unknown;
      } catch (error) {
        throw new ConnectorError('remote_error', `response from ${url.host} is not valid JSON`, {
          cause: error,
          retryable: false,
        });
      }
    },
  };
}
