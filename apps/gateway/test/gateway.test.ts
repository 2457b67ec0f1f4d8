import { createJsonLogger } from '@weft/log-schema';
import { listEndpoints, validateEnv } from '@weft/server-kit';
import {
  closedPort,
  runService,
  startNats,
  testNatsUrl,
  waitForHttpStatus,
  type RunningNats,
} from '@weft/testing';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayEnv, compileGatewayConfig } from '../src/config/gateway.config.js';
import { createGateway, type Gateway } from '../src/gateway.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN_KEY = randomBytes(32).toString('base64');
// Errors are kept: a clean start logs none (a failed lookup Nest logs itself once did).
const errorLines: string[] = [];
const logger = createJsonLogger({
  service: 'gateway',
  level: 'error',
  write: (line) => errorLines.push(line),
});

async function start(natsUrl: string): Promise<{ gateway: Gateway; url: string }> {
  const config = compileGatewayConfig(
    validateEnv(GatewayEnv, {
      NATS_URL: natsUrl,
      STARTUP_TIMEOUT_SECONDS: '5',
      GATEWAY_TOKEN_KEY: TOKEN_KEY,
    }),
  );
  const gateway = await createGateway(config, logger);
  await gateway.app.listen(0, '127.0.0.1');
  const { port } = gateway.app.getHttpServer().address() as { port: number };
  return { gateway, url: `http://127.0.0.1:${port}` };
}

async function readiness(url: string): Promise<number> {
  return (await fetch(`${url}/ready`)).status;
}

describe('gateway over a real nats-server', () => {
  let gateway: Gateway;
  let url: string;
  beforeAll(async () => {
    ({ gateway, url } = await start(testNatsUrl()));
  });

  it('starts without logging an error', () => {
    expect(errorLines).toEqual([]);
  });
  afterAll(async () => {
    await gateway.app.close();
    await gateway.close();
  });

  it('is alive and ready', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { nats: 'up' } });
  });

  it('serves its OpenAPI document', async () => {
    const doc = (await (await fetch(`${url}/api/docs`)).json()) as { info: { title: string } };
    expect(doc.info.title).toBe('Weft gateway');
  });

  // A change to who can reach an endpoint shows up here, in review, as a permission change.
  it('declares a catalogue action on every endpoint', () => {
    expect(listEndpoints(gateway.app).map((e) => `${e.route} → ${e.action}`)).toEqual([
      'GET /api/docs → system.docs',
      'GET /health → system.health',
      'GET /ready → system.ready',
      'POST /agent/v1/challenge → agent.authenticate',
      'POST /agent/v1/enrol → agent.authenticate',
      'POST /agent/v1/heartbeat → agent.work',
      'POST /agent/v1/runs/complete → agent.work',
      'POST /agent/v1/runs/log → agent.work',
      'POST /agent/v1/runs/progress → agent.work',
      'POST /agent/v1/runs/release → agent.work',
      'POST /agent/v1/runs/secrets → agent.work',
      'POST /agent/v1/runs/started → agent.work',
      'POST /agent/v1/token → agent.authenticate',
      'POST /agent/v1/work → agent.work',
    ]);
  });

  it('refuses agent calls without a valid access token, and forged or foreign tokens', async () => {
    const post = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${url}/agent/v1/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    for (const path of [
      'work',
      'heartbeat',
      'runs/started',
      'runs/complete',
      'runs/secrets',
      'runs/log',
    ]) {
      const bare = await post(path);
      expect(bare.status).toBe(401);
      expect(await bare.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      const forged = await post(path, {
        authorization: 'Bearer wat1.eyJhIjoieCIsImV4cCI6OTk5OTk5OTk5OTk5OX0.AAAA',
      });
      expect(forged.status).toBe(401);
    }
  });

  it('hands out a challenge naming the agent, and refuses a token for a wrong signature', async () => {
    const agentId = '0b5c1f4e-8d1a-4a63-9c55-6f0a0d3b9e21';
    const response = await fetch(`${url}/agent/v1/challenge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agentId }),
    });
    expect(response.status).toBe(200);
    const { challenge } = (await response.json()) as { challenge: string };
    expect(challenge).toMatch(/^wch1\./);
    // Another agent's id with this challenge: refused before any identity lookup.
    const token = await fetch(`${url}/agent/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        agentId: '1b5c1f4e-8d1a-4a63-9c55-6f0a0d3b9e21',
        challenge,
        signature: Buffer.alloc(64).toString('base64'),
      }),
    });
    expect(token.status).toBe(401);
    expect(await token.json()).toMatchObject({ error: { code: 'CHALLENGE_INVALID' } });
  });
});

describe('gateway readiness when NATS goes away', () => {
  let nats: RunningNats;
  let gateway: Gateway;
  let url: string;
  beforeAll(async () => {
    nats = await startNats();
    ({ gateway, url } = await start(nats.url));
  });
  afterAll(async () => {
    await gateway.app.close();
    await gateway.close();
    await nats.stop();
  });

  it('turns 503 within seconds of nats-server stopping, and 200 once it is back', async () => {
    expect(await readiness(url)).toBe(200);
    await nats.kill();
    expect(await waitForHttpStatus(`${url}/ready`, 503)).toBeLessThan(10_000);
    await nats.restart();
    expect(await waitForHttpStatus(`${url}/ready`, 200)).toBeLessThan(15_000);
  });
});

describe('gateway start-up failures', () => {
  const run = (env: Record<string, string>, args: string[] = [], stopWhen?: RegExp) =>
    runService({
      cwd: appDir,
      entry: 'src/main.ts',
      args,
      env: { GATEWAY_TOKEN_KEY: TOKEN_KEY, ...env },
      ...(stopWhen ? { stopWhen } : {}),
    });

  it('names a missing NATS_URL in one line and exits 2', async () => {
    const exit = await run({});
    expect(exit.code).toBe(2);
    expect(exit.stderr).toBe('gateway: invalid configuration: NATS_URL is required\n');
  });

  it('names NATS_URL in one line when NATS cannot be reached, within the start-up timeout', async () => {
    const port = await closedPort();
    const exit = await run({
      NATS_URL: `nats://gw:secret-pass@127.0.0.1:${port}`,
      STARTUP_TIMEOUT_SECONDS: '2',
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr.trim().split('\n')).toHaveLength(1);
    expect(exit.stderr).toMatch(/^gateway: cannot connect to NATS at NATS_URL: /);
    expect(exit.stderr).not.toContain('secret-pass');
    expect(exit.durationMs).toBeLessThan(15_000);
  });

  it('names a missing or weak token key in one line and exits 2', async () => {
    const missing = await runService({
      cwd: appDir,
      entry: 'src/main.ts',
      env: { NATS_URL: testNatsUrl() },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^gateway: invalid configuration: set exactly one of GATEWAY_TOKEN_KEY_FILE and GATEWAY_TOKEN_KEY/,
    );
    const weak = await run({ NATS_URL: testNatsUrl(), GATEWAY_TOKEN_KEY: 'c2hvcnQ=' });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('at least 32 bytes');
    expect(weak.stderr).not.toContain('c2hvcnQ=');
  });

  it('explains itself and rejects unknown arguments', async () => {
    expect((await run({}, ['--help'])).stdout).toContain('Usage: weft-gateway');
    const unknown = await run({}, ['--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('gateway: unknown argument "--frobnicate" (try --help)\n');
  });

  it('cuts a stalled request after the grace period instead of hanging on SIGTERM', async () => {
    const port = await closedPort();
    const stalled: Socket[] = [];
    const exit = await runService({
      cwd: appDir,
      entry: 'src/main.ts',
      env: {
        NATS_URL: testNatsUrl(),
        GATEWAY_PORT: String(port),
        SHUTDOWN_GRACE_SECONDS: '1',
        GATEWAY_TOKEN_KEY: TOKEN_KEY,
      },
      // Once listening, a client starts a request whose body never arrives; then SIGTERM.
      onOutput: async (text, stop) => {
        if (!text.includes('gateway listening') || stalled.length > 0) return;
        const socket = connect(port, '127.0.0.1');
        stalled.push(socket);
        socket.on('error', () => undefined);
        socket.write(
          'POST /health HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        stop();
      },
    });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('closing their connections');
    expect(stalled[0]?.destroyed || stalled[0]?.readableEnded).toBe(true);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const exit = await run(
      { NATS_URL: testNatsUrl(), GATEWAY_PORT: String(await closedPort()) },
      [],
      /gateway listening/,
    );
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('"msg":"shutting down"');
  });
});
