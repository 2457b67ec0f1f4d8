import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the CLI made, as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type Reply =
  | { status: number; body?: unknown }
  | ((request: SeenRequest, response: ServerResponse) => void | Promise<void>);

interface Route {
  method: string;
  path: string | RegExp;
  replies: Reply[];
}

/**
 * A small HTTP server on 127.0.0.1 that answers like the control plane's API (design §5) from
 * replies each test scripts, and records every request so tests assert what the CLI sent.
 * A route given several replies answers with them in turn, repeating the last; a route added
 * later for the same path takes over.
 */
export class ControlPlaneDouble {
  readonly requests: SeenRequest[] = [];
  readonly #routes: Route[] = [];
  readonly #server: Server;
  readonly #open = new Set<ServerResponse>();

  private constructor() {
    this.#server = createServer((request, response) => void this.#handle(request, response));
  }

  static async start(): Promise<ControlPlaneDouble> {
    const double = new ControlPlaneDouble();
    await new Promise<void>((resolve) => double.#server.listen(0, '127.0.0.1', resolve));
    return double;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
  }

  on(method: string, path: string | RegExp, ...replies: Reply[]): this {
    this.#routes.push({ method, path, replies });
    return this;
  }

  /** `METHOD /path` of every request so far. */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  async stop(): Promise<void> {
    for (const response of this.#open) response.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.#open.add(response);
    response.on('close', () => this.#open.delete(response));
    let text = '';
    for await (const chunk of request) text += (chunk as Buffer).toString();
    const url = new URL(request.url ?? '/', 'http://double');
    const seen: SeenRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
    this.requests.push(seen);
    const route = this.#routes.findLast(
      (r) =>
        r.method === seen.method &&
        (typeof r.path === 'string' ? r.path === seen.path : r.path.test(seen.path)),
    );
    if (route === undefined) {
      return json(response, 404, {
        error: { code: 'NOT_FOUND', message: `no route ${seen.path}` },
      });
    }
    const reply = route.replies.length > 1 ? route.replies.shift()! : route.replies[0]!;
    if (typeof reply === 'function') return reply(seen, response);
    json(response, reply.status, reply.body);
  }
}

export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(body === undefined ? '' : JSON.stringify(body));
}
