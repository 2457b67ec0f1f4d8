import { createPublicKey, randomBytes, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { sealForRecipient } from '@weft/crypto';

/** One request the double received, for assertions. */
export interface ReceivedCall {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
}

export interface QueuedRun {
  readonly runId: string;
  readonly operation: unknown;
  readonly attempt?: number;
}

interface Lease {
  readonly runId: string;
  readonly agentId: string;
}

interface Agent {
  readonly publicKey: KeyObject;
  revoked: boolean;
}

/**
 * A protocol double of the gateway (docs/agent-protocol.md) on loopback http, for testing the agent
 * while the real gateway is being built. Stateful where the real one signs (challenges, tokens,
 * leases are random strings it remembers); faults can be injected per path.
 */
export class GatewayDouble {
  readonly calls: ReceivedCall[] = [];
  readonly enrolmentTokens = new Set<string>();
  readonly agents = new Map<string, Agent>();
  /** Lease length handed out with each run. */
  leaseSeconds = 30;
  tokenLifetimeMs = 5 * 60_000;
  /** Long polls the agent abandoned before an answer (the run would be NAKed). */
  abandonedPolls = 0;
  readonly cancelRequested = new Set<string>();
  /** What runs/secrets seals for the caller's key (name → value), as the control plane would. */
  readonly vault = new Map<string, string>();
  /** Every runs/log batch received, with the run its lease named. */
  readonly operationLog: Array<{ runId: string; messages: unknown[] }> = [];
  readonly #queue: QueuedRun[] = [];
  readonly #waiting = new Set<() => void>();
  readonly #challenges = new Map<string, string>();
  readonly #tokens = new Map<string, { agentId: string; expiresAt: number }>();
  readonly #leases = new Map<string, Lease>();
  readonly #faults = new Map<string, Array<{ status: number; code: string }>>();
  #server: Server | undefined;
  #scheme = 'http';

  get url(): string {
    const { port } = this.#server?.address() as AddressInfo;
    return `${this.#scheme}://127.0.0.1:${port}`;
  }

  /** Plain http on loopback, or https with the given certificate. */
  async start(tls?: { cert: string; key: string }): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.#scheme = tls === undefined ? 'http' : 'https';
    this.#server = tls === undefined ? createServer(handler) : createHttpsServer(tls, handler);
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const wake of this.#waiting) wake();
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  /** A fresh single-use enrolment token (never hard-coded). */
  mintEnrolmentToken(): string {
    const token = `wet_${randomBytes(24).toString('base64url')}`;
    this.enrolmentTokens.add(token);
    return token;
  }

  pushRun(run: QueuedRun): void {
    this.#queue.push(run);
    for (const wake of this.#waiting) wake();
  }

  /** The next `times` calls to `path` fail with `status` and error `code`. */
  fail(path: string, status: number, code = 'INJECTED', times = 1): void {
    const list = this.#faults.get(path) ?? [];
    for (let i = 0; i < times; i += 1) list.push({ status, code });
    this.#faults.set(path, list);
  }

  /** Forget every issued access token, as after a key rotation: the next call gets 401. */
  forgetTokens(): void {
    this.#tokens.clear();
  }

  revoke(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (agent !== undefined) agent.revoked = true;
    for (const wake of this.#waiting) wake();
  }

  callsTo(path: string): ReceivedCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    const path = req.url ?? '';
    this.calls.push({ path, authorization: req.headers.authorization, body });
    const fault = this.#faults.get(path)?.shift();
    if (fault !== undefined) return error(res, fault.status, fault.code);
    if (req.method !== 'POST') return error(res, 405, 'METHOD_NOT_ALLOWED');

    switch (path) {
      case '/agent/v1/enrol':
        return this.#enrol(body, res);
      case '/agent/v1/challenge':
        return this.#challenge(body, res);
      case '/agent/v1/token':
        return this.#token(body, res);
    }
    const agentId = this.#authenticate(req);
    if (agentId === undefined) return error(res, 401, 'UNAUTHENTICATED');
    if (this.agents.get(agentId)?.revoked === true) return error(res, 401, 'AGENT_REVOKED');
    switch (path) {
      case '/agent/v1/heartbeat':
        return send(res, 204);
      case '/agent/v1/work':
        return this.#work(agentId, body, res);
      case '/agent/v1/runs/started':
      case '/agent/v1/runs/progress': {
        const lease = this.#leases.get(String(body['lease']));
        if (lease === undefined || lease.agentId !== agentId)
          return error(res, 409, 'LEASE_INVALID');
        return send(res, 200, { cancelRequested: this.cancelRequested.has(lease.runId) });
      }
      case '/agent/v1/runs/secrets': {
        const lease = this.#leases.get(String(body['lease']));
        if (lease === undefined || lease.agentId !== agentId)
          return error(res, 403, 'LEASE_INVALID');
        const publicKey = String(body['publicKey']);
        return send(res, 200, {
          secrets: [...this.vault].map(([name, value]) => ({
            name,
            ...sealForRecipient(value, publicKey, `${lease.runId}|${name}`),
          })),
        });
      }
      case '/agent/v1/runs/log': {
        const lease = this.#leases.get(String(body['lease']));
        if (lease === undefined || lease.agentId !== agentId)
          return error(res, 403, 'LEASE_INVALID');
        const messages = body['messages'];
        if (!Array.isArray(messages) || messages.length === 0 || messages.length > 50)
          return error(res, 400, 'BAD_REQUEST');
        this.operationLog.push({ runId: lease.runId, messages });
        return send(res, 204);
      }
      case '/agent/v1/runs/complete':
      case '/agent/v1/runs/release': {
        if (!this.#leases.delete(String(body['lease']))) return error(res, 409, 'LEASE_INVALID');
        return send(res, 204);
      }
      default:
        return error(res, 404, 'NOT_FOUND');
    }
  }

  #enrol(body: Record<string, unknown>, res: ServerResponse): void {
    const token = String(body['token']);
    if (!this.enrolmentTokens.delete(token)) return error(res, 401, 'ENROLMENT_TOKEN_INVALID');
    const publicKey = createPublicKey({
      key: Buffer.from(String(body['publicKey']), 'base64'),
      format: 'der',
      type: 'spki',
    });
    const agentId = randomUUID();
    this.agents.set(agentId, { publicKey, revoked: false });
    send(res, 201, { agentId, orgId: 'org-1', groupId: 'group-1', environmentIds: ['env-1'] });
  }

  #challenge(body: Record<string, unknown>, res: ServerResponse): void {
    const challenge = randomBytes(16).toString('base64url');
    this.#challenges.set(challenge, String(body['agentId']));
    send(res, 200, { challenge, expiresAt: new Date(Date.now() + 60_000).toISOString() });
  }

  #token(body: Record<string, unknown>, res: ServerResponse): void {
    const agentId = String(body['agentId']);
    const challenge = String(body['challenge']);
    const agent = this.agents.get(agentId);
    if (this.#challenges.get(challenge) !== agentId || agent === undefined) {
      return error(res, 401, 'CHALLENGE_INVALID');
    }
    this.#challenges.delete(challenge);
    if (agent.revoked) return error(res, 401, 'AGENT_REVOKED');
    const signed = Buffer.from(`weft-agent-token-v1:${challenge}`, 'utf8');
    const signature = Buffer.from(String(body['signature']), 'base64');
    if (!verify(null, signed, agent.publicKey, signature))
      return error(res, 401, 'SIGNATURE_INVALID');
    const accessToken = randomBytes(24).toString('base64url');
    const expiresAt = Date.now() + this.tokenLifetimeMs;
    this.#tokens.set(accessToken, { agentId, expiresAt });
    send(res, 200, { accessToken, expiresAt: new Date(expiresAt).toISOString() });
  }

  #authenticate(req: IncomingMessage): string | undefined {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const known = token === undefined ? undefined : this.#tokens.get(token);
    return known !== undefined && known.expiresAt > Date.now() ? known.agentId : undefined;
  }

  async #work(agentId: string, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const waitMs = Math.min(25, Math.max(1, Number(body['waitSeconds'] ?? 25))) * 1000;
    let gone = false;
    res.on('close', () => {
      if (!res.writableEnded) gone = true;
    });
    const deadline = Date.now() + waitMs;
    const revoked = () => this.agents.get(agentId)?.revoked === true;
    // Like the real gateway, which re-reads the agent's record while it holds a poll.
    while (this.#queue.length === 0 && !gone && !revoked() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiting.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(100, deadline - Date.now()));
        this.#waiting.add(wake);
      });
    }
    if (gone) {
      this.abandonedPolls += 1;
      return;
    }
    if (revoked()) return error(res, 401, 'AGENT_REVOKED');
    const max = Math.min(64, Math.max(1, Number(body['max'] ?? 1)));
    const runs = this.#queue.splice(0, max);
    if (runs.length === 0) return send(res, 204);
    send(res, 200, {
      runs: runs.map((run) => {
        const lease = `lease_${randomBytes(16).toString('base64url')}`;
        this.#leases.set(lease, { runId: run.runId, agentId });
        return {
          lease,
          leaseSeconds: this.leaseSeconds,
          run: {
            runId: run.runId,
            operationId: `op-${run.runId}`,
            environmentId: 'env-1',
            attempt: run.attempt ?? 1,
            maxAttempts: 3,
            idempotencyKey: `run-${run.runId}`,
            operation: run.operation,
          },
        };
      }),
    });
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, code: string): void {
  send(res, status, { error: { code, message: `${code} (gateway double)` } });
}
