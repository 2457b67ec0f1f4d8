import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError } from '../errors.js';

export const CALLBACK_PATH = '/callback';
export const DEFAULT_WAIT_MS = 5 * 60_000;

/** A listener on 127.0.0.1 waiting for the browser to bring the sign-in code back. */
export interface LoopbackListener {
  /** The port the operating system gave (1024 or above). */
  readonly port: number;
  /** The code, once the browser came back with this login's state; rejects otherwise. */
  readonly code: Promise<string>;
  /** Stops listening (idempotent); a pending `code` rejects as interrupted. */
  close(): void;
}

export interface ListenOptions {
  /** What the callback's `state` must be (this login's, RFC 6749 §10.12). */
  state: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const CODE = /^[A-Za-z0-9_-]{43}$/;

/** Pages shown in the browser: fixed text, nothing from the request echoed back. */
function page(response: ServerResponse, status: number, title: string, text: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The address carries the code: nothing on the page may pass it on.
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'",
    connection: 'close',
  });
  response.end(
    `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${text}</p>\n`,
  );
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * RFC 8252 §7.3: a one-shot HTTP listener on the loopback address (never 0.0.0.0: nothing on the
 * network can reach it), on a port the operating system picks. Only `GET /callback` counts, and
 * only on `Host: 127.0.0.1:<port>` (a DNS-rebound page names another host); anything else gets
 * a 404 and the wait goes on. The first callback decides: with this login's state and a code,
 * the code; with another state, a refusal — a callback the CLI did not ask for is never used.
 */
export async function listenForCallback(options: ListenOptions): Promise<LoopbackListener> {
  let settle: { resolve(code: string): void; reject(error: CliError): void } | undefined;
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may be awaiting yet: a rejection before then must not be reported as unhandled.
  code.catch(() => undefined);
  let done = false;
  const server = createServer((request, response) => handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const timer = setTimeout(
    () =>
      finish(
        new CliError(
          'failed',
          `no sign-in came back from the browser within ${Math.round((options.timeoutMs ?? DEFAULT_WAIT_MS) / 1000)} s; run weft login --sso again`,
        ),
      ),
    options.timeoutMs ?? DEFAULT_WAIT_MS,
  );
  timer.unref();
  const onAbort = () => finish(new CliError('interrupted', 'interrupted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  function finish(outcome: string | CliError): void {
    if (done) return;
    done = true;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    // Stop taking connections; the one answering now ends with its response (connection: close).
    server.close();
    server.closeIdleConnections();
    if (typeof outcome === 'string') settle!.resolve(outcome);
    else settle!.reject(outcome);
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (
      done ||
      request.method !== 'GET' ||
      url.pathname !== CALLBACK_PATH ||
      request.headers.host !== `127.0.0.1:${port}`
    ) {
      page(response, 404, 'Not found', 'Nothing here.');
      return;
    }
    const state = url.searchParams.get('state') ?? '';
    const received = url.searchParams.get('code') ?? '';
    if (!sameText(state, options.state) || !CODE.test(received)) {
      page(
        response,
        400,
        'Sign-in refused',
        'This is not the sign-in weft started. Nothing was signed in; run weft login --sso again.',
      );
      finish(
        new CliError(
          'auth',
          'the browser came back with a sign-in this weft did not start (state mismatch); nothing was stored: run weft login --sso again',
        ),
      );
      return;
    }
    page(
      response,
      200,
      'Signed in to Weft',
      'The command line has your sign-in. You can close this tab and return to the terminal.',
    );
    finish(received);
  }

  return { port, code, close: () => finish(new CliError('interrupted', 'interrupted')) };
}
