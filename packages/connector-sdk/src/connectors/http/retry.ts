import type { ConnectorLogger } from '../../contract.js';
import { ConnectorError } from '../../errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../http/client.js';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

const isTransientStatus = (status: number): boolean => status === 429 || status >= 500;

/** Where a request went, for messages: host and path, never the query (it may carry a key). */
export function describeTarget(method: string, url: string | URL): string {
  const parsed = new URL(url);
  return `${method} ${parsed.host}${parsed.pathname}`;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with jitter (half fixed, half random), capped; Retry-After wins when given. */
export function backoffMs(
  attempt: number,
  policy: RetryPolicy,
  retryAfter: number | undefined,
  random = Math.random,
): number {
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxDelayMs);
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ConnectorError('cancelled', 'the run was cancelled'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ConnectorError('cancelled', 'the run was cancelled'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Sends `request`, retrying 429, 5xx and retryable network errors up to policy.maxAttempts in all.
 * Returns the last response (which may still be an error status: see `expectSuccess`).
 */
export async function sendWithRetry(
  http: HttpClient,
  request: HttpRequest & { readonly signal: AbortSignal },
  policy: RetryPolicy,
  logger: ConnectorLogger,
): Promise<HttpResponse> {
  const target = describeTarget(request.method ?? 'GET', request.url);
  for (let attempt = 1; ; attempt += 1) {
    let response: HttpResponse | undefined;
    try {
      response = await http.request(request);
    } catch (error) {
      if (!ConnectorError.is(error) || !error.retryable || attempt >= policy.maxAttempts)
        throw error;
      const delay = backoffMs(attempt, policy, undefined);
      logger.warn('http request failed, retrying', {
        target,
        attempt,
        code: error.code,
        delayMs: delay,
      });
      await sleep(delay, request.signal);
      continue;
    }
    if (!isTransientStatus(response.status) || attempt >= policy.maxAttempts) return response;
    const delay = backoffMs(attempt, policy, retryAfterMs(response.headers['retry-after']));
    logger.warn('http request answered a transient status, retrying', {
      target,
      attempt,
      status: response.status,
      delayMs: delay,
    });
    await sleep(delay, request.signal);
  }
}

/** Throws the ConnectorError a non-2xx status stands for; the body is never quoted (it may hold data). */
export function expectSuccess(response: HttpResponse, method: string): HttpResponse {
  const { status } = response;
  if (status >= 200 && status < 300) return response;
  const message = `${describeTarget(method, response.url)} answered ${status}`;
  if (status === 401 || status === 403) throw new ConnectorError('auth_failed', message);
  if (status === 404) throw new ConnectorError('not_found', message);
  throw new ConnectorError('remote_error', message, { retryable: isTransientStatus(status) });
}
