import { CliError } from '../errors.js';
import { apiFailure, transportFailure } from './api-errors.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ApiClientOptions {
  /** The control plane's base URL (validated by `controlPlaneUrl`). */
  baseUrl: URL;
  apiKey: string;
  userAgent: string;
  timeoutMs?: number;
  /** Ctrl-C: aborts whatever request is under way. */
  signal?: AbortSignal;
}

export type Query = Record<string, string | number | undefined>;

/** One path segment (an id or a name) made safe to put in a URL path. */
export function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}

/**
 * The control plane's REST API under `/api/v1`, authenticated with the API key. Every request has
 * a timeout; redirects are not followed (the key must not travel to another address); a refusal
 * becomes a CliError carrying the API's code, message and problems.
 */
export class ApiClient {
  readonly #options: ApiClientOptions;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get origin(): string {
    return this.#options.baseUrl.origin;
  }

  url(path: string, query: Query = {}): URL {
    const url = new URL(`api/v1/${path}`, this.#options.baseUrl);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  get<T>(path: string, what: string, query?: Query): Promise<T> {
    return this.#json<T>('GET', path, what, undefined, query);
  }

  post<T>(path: string, what: string, body: unknown = {}): Promise<T> {
    return this.#json<T>('POST', path, what, body);
  }

  /**
   * Opens a server-sent events stream. No overall timeout (a stream is long-lived): the caller
   * watches for silence and aborts through `signal`.
   */
  async openStream(
    path: string,
    what: string,
    query: Query,
    lastEventId: string | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = { ...this.#headers(), accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const response = await this.#fetch(this.url(path, query), { method: 'GET', headers }, signal);
    if (!response.ok) throw apiFailure(response.status, await readBody(response), what);
    return response;
  }

  #headers(): Record<string, string> {
    return {
      authorization: `Bearer ${this.#options.apiKey}`,
      accept: 'application/json',
      'user-agent': this.#options.userAgent,
    };
  }

  async #json<T>(
    method: string,
    path: string,
    what: string,
    body: unknown,
    query?: Query,
  ): Promise<T> {
    const headers = this.#headers();
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signals = [AbortSignal.timeout(this.#timeoutMs)];
    if (this.#options.signal) signals.push(this.#options.signal);
    const response = await this.#fetch(
      this.url(path, query),
      { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) },
      AbortSignal.any(signals),
    );
    const answer = await readBody(response);
    if (!response.ok) throw apiFailure(response.status, answer, what);
    if (answer === undefined && response.status !== 204) {
      throw new CliError('failed', `${what}: the control plane sent an answer that is not JSON`);
    }
    return answer as T;
  }

  async #fetch(url: URL, init: RequestInit, signal: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal, redirect: 'manual' });
    } catch (error) {
      throw transportFailure(error, this.origin, this.#timeoutMs);
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new CliError(
        'failed',
        `${this.origin} answered with a redirect (HTTP ${response.status}); give the control plane's own URL with --url`,
      );
    }
    return response;
  }
}

/** The body as JSON, or undefined when there is none or it is not JSON. */
async function readBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
