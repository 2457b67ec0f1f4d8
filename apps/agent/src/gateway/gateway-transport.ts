import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import type { AgentConfig, ProxyConfig } from '../config/agent-config.js';
import { AgentGatewayError } from './gateway.error.js';
import { bypassesProxy } from './no-proxy.js';

/** The protocol caps every body at 1 MiB. */
export const MAX_GATEWAY_BODY_BYTES = 1024 * 1024;
// The long poll waits up to 25 s for work: leave room for it and a slow network.
const HEADERS_TIMEOUT_MS = 60_000;

export interface GatewayTransportOptions {
  /** https://…, or http:// to a loopback host (the configuration enforces it). */
  readonly gatewayUrl: string;
  readonly proxy: ProxyConfig | null;
  /** Extra CA certificates (PEM) trusted besides the bundled ones, for the gateway and the proxy. */
  readonly extraCaPem: string | null;
}

export interface GatewayResponse {
  readonly status: number;
  /** The parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
}

export interface GatewayCall {
  readonly accessToken?: string;
  readonly signal?: AbortSignal;
}

/** One HTTPS connection pool to the gateway, direct or tunnelled through the proxy with CONNECT. */
export class GatewayTransport {
  readonly gatewayUrl: URL;
  /** Whether calls go through the proxy (false: no proxy, or the gateway is in noProxy). */
  readonly viaProxy: boolean;
  readonly #dispatcher: Dispatcher;

  constructor(options: GatewayTransportOptions) {
    this.gatewayUrl = new URL(options.gatewayUrl);
    // Node's `ca` replaces the bundled roots; the operator's CAs come in addition to them.
    const ca = options.extraCaPem === null ? undefined : [...rootCertificates, options.extraCaPem];
    const port = Number(this.gatewayUrl.port) || (this.gatewayUrl.protocol === 'https:' ? 443 : 80);
    const proxy = options.proxy;
    this.viaProxy = proxy !== null && !bypassesProxy(proxy.noProxy, this.gatewayUrl.hostname, port);
    this.#dispatcher =
      proxy !== null && this.viaProxy
        ? new ProxyAgent({
            uri: proxy.origin,
            proxyTunnel: true,
            ...(proxy.username === null ? {} : { token: basicAuth(proxy) }),
            ...(ca === undefined ? {} : { requestTls: { ca }, proxyTls: { ca } }),
            headersTimeout: HEADERS_TIMEOUT_MS,
          })
        : new Agent({
            ...(ca === undefined ? {} : { connect: { ca } }),
            headersTimeout: HEADERS_TIMEOUT_MS,
          });
  }

  static async fromConfig(config: AgentConfig): Promise<GatewayTransport> {
    return new GatewayTransport({
      gatewayUrl: config.gatewayUrl,
      proxy: config.proxy,
      extraCaPem: config.caFile === null ? null : await readFile(config.caFile, 'utf8'),
    });
  }

  /** POSTs JSON to `path` (e.g. /agent/v1/work). Network failures become GATEWAY_UNAVAILABLE. */
  async post(path: string, body: unknown, call: GatewayCall = {}): Promise<GatewayResponse> {
    const url = new URL(path.replace(/^\//, ''), withTrailingSlash(this.gatewayUrl));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (call.accessToken !== undefined) headers['authorization'] = `Bearer ${call.accessToken}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        dispatcher: this.#dispatcher,
        ...(call.signal === undefined ? {} : { signal: call.signal }),
      });
    } catch (error) {
      if (call.signal?.aborted === true) {
        throw new AgentGatewayError('GATEWAY_CALL_ABORTED', `POST ${path} was aborted`);
      }
      throw new AgentGatewayError(
        'GATEWAY_UNAVAILABLE',
        `POST ${path} failed: ${networkReason(error)}`,
      );
    }
    return { status: response.statusCode, body: await readJson(response, path, call.signal) };
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

async function readJson(
  response: Dispatcher.ResponseData,
  path: string,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_GATEWAY_BODY_BYTES) {
        response.body.destroy();
        throw new AgentGatewayError(
          'GATEWAY_PROTOCOL_ERROR',
          `POST ${path}: the answer is larger than 1 MiB`,
          response.statusCode,
        );
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (AgentGatewayError.is(error)) throw error;
    if (signal?.aborted === true) {
      throw new AgentGatewayError('GATEWAY_CALL_ABORTED', `POST ${path} was aborted`);
    }
    throw new AgentGatewayError(
      'GATEWAY_UNAVAILABLE',
      `POST ${path}: the answer broke off (${networkReason(error)})`,
    );
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A 5xx from a proxy or load balancer may be HTML: the status says enough.
    if (response.statusCode >= 500) return undefined;
    throw new AgentGatewayError(
      'GATEWAY_PROTOCOL_ERROR',
      `POST ${path}: the answer (status ${response.statusCode}) is not JSON`,
      response.statusCode,
    );
  }
}

function basicAuth(proxy: ProxyConfig): string {
  const credentials = `${proxy.username ?? ''}:${proxy.password?.reveal() ?? ''}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

function withTrailingSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}

/** The error's code (ECONNREFUSED, UND_ERR_…) rather than its text, which may quote a URL. */
function networkReason(error: unknown): string {
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code;
  const causeCode = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof causeCode === 'string') return causeCode;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'network error';
}
