import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  generateSealingKeyPair,
  generateSigningKeyPair,
  openSealed,
  sealForRecipient,
  sign,
  type SealedValue,
} from '@weft/crypto';
import { createJsonLogger } from '@weft/log-schema';
import {
  AGENT_SERVICE_SUBJECTS,
  EVENT_CONSUMER,
  EVENT_STREAM,
  RUN_STREAM,
  buildSubject,
  createEnvelope,
  decodeEnvelope,
  encodeEnvelope,
  eventConsumerConfig,
  eventStreamConfig,
  runConsumerConfig,
  runStreamConfig,
  type AgentIdentity,
  type AgentServiceReply,
  type Envelope,
} from '@weft/messaging';
import { validateEnv } from '@weft/server-kit';
import { startNats, type RunningNats } from '@weft/testing';
import { connect, type NatsConnection } from 'nats';
import { GatewayEnv, compileGatewayConfig } from '../src/config/gateway.config.js';
import { createGateway, type Gateway } from '../src/gateway.js';

const infraNats = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../infra/nats/nats-server.conf',
);
const password = () => `w${randomBytes(16).toString('hex')}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const orgId = randomUUID();
const environmentId = randomUUID();
const groupId = randomUUID();

/** The fields of the gateway's answers this test reads. */
interface Answer {
  error: { code: string; message: string };
  challenge: string;
  accessToken: string;
  runs: Array<{ lease: string }>;
  secrets: Array<SealedValue & { name: string }>;
}

interface TestAgent {
  identity: AgentIdentity;
  privateKey: string;
  accessToken?: string;
}

function testAgent(): TestAgent {
  const keys = generateSigningKeyPair();
  return {
    identity: {
      agentId: randomUUID(),
      orgId,
      groupId,
      environmentIds: [environmentId],
      shared: false,
      publicKey: keys.publicKey,
    },
    privateKey: keys.privateKey,
  };
}

/**
 * The control plane's side of the agent-service subjects, as small as the test needs: who the
 * agents are, and the run's vault secrets (sealed here, as the real responder will).
 */
class ControlPlaneDouble {
  readonly secretRequests: Array<Record<string, unknown>> = [];
  refuseSecretsWith: string | undefined;
  readonly vault = new Map([
    ['PG_PASSWORD', 'pg-pass-from-the-vault'],
    ['API_TOKEN', 'tok_0123456789abcdef'],
  ]);

  constructor(
    private readonly nats: NatsConnection,
    private readonly agents: readonly TestAgent[],
  ) {}

  start(): void {
    this.#answer(AGENT_SERVICE_SUBJECTS.identity, (request) => {
      const agent = this.agents.find((a) => a.identity.agentId === request['agentId']);
      return agent === undefined
        ? { ok: false, error: { code: 'NOT_FOUND', message: 'no such agent' } }
        : { ok: true, result: agent.identity };
    });
    this.#answer(AGENT_SERVICE_SUBJECTS.runStatus, () => ({
      ok: true,
      result: { cancelRequested: false },
    }));
    this.#answer(AGENT_SERVICE_SUBJECTS.runSecrets, (request) => {
      this.secretRequests.push(request);
      if (this.refuseSecretsWith !== undefined) {
        return {
          ok: false,
          error: { code: this.refuseSecretsWith, message: 'refused by the control plane double' },
        };
      }
      const runId = String(request['runId']);
      return {
        ok: true,
        result: {
          secrets: [...this.vault].map(([name, value]) => ({
            name,
            ...sealForRecipient(value, String(request['publicKey']), `${runId}|${name}`),
          })),
        },
      };
    });
  }

  #answer(
    subject: string,
    handle: (request: Record<string, unknown>) => AgentServiceReply<unknown>,
  ): void {
    this.nats.subscribe(subject, {
      callback: (_error, message) => {
        const request = JSON.parse(decoder.decode(message.data)) as Record<string, unknown>;
        message.respond(encoder.encode(JSON.stringify(handle(request))));
      },
    });
  }
}

describe('runs/secrets and runs/log, on the production NATS permissions', () => {
  const passwords = { controlPlane: password(), gateway: password() };
  const agent = testAgent();
  const stranger = testAgent();
  let dir: string;
  let nats: RunningNats;
  let controlPlaneNats: NatsConnection;
  let controlPlane: ControlPlaneDouble;
  let gateway: Gateway;
  let url: string;
  let runId: string;
  let lease: string;

  const post = async (path: string, body: unknown, who: TestAgent = agent) => {
    const response = await fetch(`${url}/agent/v1/${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(who.accessToken === undefined ? {} : { authorization: `Bearer ${who.accessToken}` }),
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Answer };
  };

  async function signIn(who: TestAgent): Promise<void> {
    const { agentId } = who.identity;
    const { body } = await post('challenge', { agentId }, who);
    const signature = sign(who.privateKey, `weft-agent-token-v1:${body.challenge}`);
    const token = await post('token', { agentId, challenge: body.challenge, signature }, who);
    expect(token.status).toBe(200);
    who.accessToken = token.body.accessToken;
  }

  /** How many events WEFT_EVENTS holds (this test publishes no others). */
  async function storedEvents(): Promise<number> {
    const jsm = await controlPlaneNats.jetstreamManager();
    return (await jsm.streams.info(EVENT_STREAM)).state.messages;
  }

  /** The next `count` events, read through the control plane's durable consumer. */
  async function nextEvents(count: number): Promise<Envelope[]> {
    const consumer = await controlPlaneNats.jetstream().consumers.get(EVENT_STREAM, EVENT_CONSUMER);
    const events: Envelope[] = [];
    for await (const message of await consumer.fetch({ max_messages: count, expires: 2000 })) {
      events.push(decodeEnvelope(message.data));
      message.ack();
    }
    return events;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-gateway-nats-'));
    const policy = (await readFile(infraNats, 'utf8'))
      .replace('$CONTROL_PLANE_NATS_PASSWORD', `"${passwords.controlPlane}"`)
      .replace('$GATEWAY_NATS_PASSWORD', `"${passwords.gateway}"`);
    await writeFile(join(dir, 'test.conf'), policy, { mode: 0o600 });
    nats = await startNats({ configFile: join(dir, 'test.conf') });

    controlPlaneNats = await connect({
      servers: nats.url,
      user: 'control-plane',
      pass: passwords.controlPlane,
      inboxPrefix: '_INBOX.control-plane',
    });
    const jsm = await controlPlaneNats.jetstreamManager();
    await jsm.streams.add(runStreamConfig());
    await jsm.streams.add(eventStreamConfig());
    await jsm.consumers.add(RUN_STREAM, runConsumerConfig({ orgId, agentGroupId: groupId }));
    await jsm.consumers.add(EVENT_STREAM, eventConsumerConfig());
    controlPlane = new ControlPlaneDouble(controlPlaneNats, [agent, stranger]);
    controlPlane.start();

    gateway = await createGateway(
      compileGatewayConfig(
        validateEnv(GatewayEnv, {
          NATS_URL: nats.url,
          NATS_USER: 'gateway',
          NATS_PASSWORD: passwords.gateway,
          STARTUP_TIMEOUT_SECONDS: '5',
          GATEWAY_TOKEN_KEY: randomBytes(32).toString('base64'),
        }),
      ),
      createJsonLogger({ service: 'gateway', level: 'fatal' }),
    );
    await gateway.app.listen(0, '127.0.0.1');
    const { port } = gateway.app.getHttpServer().address() as { port: number };
    url = `http://127.0.0.1:${port}`;
    await signIn(agent);
    await signIn(stranger);

    runId = randomUUID();
    const where = { orgId, environmentId, agentGroupId: groupId };
    await controlPlaneNats.jetstream().publish(
      buildSubject({ ...where, kind: 'run' }),
      encodeEnvelope(
        createEnvelope({
          type: 'run.requested',
          ...where,
          payload: {
            runId,
            operationId: 'load-orders',
            idempotencyKey: `run-${runId}`,
            maxAttempts: 3,
            operation: { version: 1 },
          },
        }),
      ),
    );
    const work = await post('work', { waitSeconds: 5 });
    expect(work.status).toBe(200);
    lease = work.body.runs[0]!.lease;
  }, 60_000);

  afterAll(async () => {
    await gateway?.app.close();
    await gateway?.close();
    await controlPlaneNats?.close();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('POST /agent/v1/runs/secrets', () => {
    it('relays the vault secrets sealed for the agent’s key, asking only what the lease names', async () => {
      controlPlane.refuseSecretsWith = undefined;
      const keys = generateSealingKeyPair();
      const answer = await post('runs/secrets', { lease, publicKey: keys.publicKey });
      expect(answer.status).toBe(200);
      expect(controlPlane.secretRequests.at(-1)).toEqual({
        orgId,
        environmentId,
        runId,
        agentId: agent.identity.agentId,
        attempt: 1,
        publicKey: keys.publicKey,
      });
      const { secrets } = answer.body;
      expect(secrets.map((secret) => secret.name)).toEqual(['PG_PASSWORD', 'API_TOKEN']);
      const opened = secrets.map((secret) =>
        openSealed(secret, keys.privateKey, `${runId}|${secret.name}`),
      );
      expect(opened).toEqual(['pg-pass-from-the-vault', 'tok_0123456789abcdef']);
      // What crossed the gateway is ciphertext only.
      expect(JSON.stringify(answer.body)).not.toContain('pg-pass-from-the-vault');
    });

    it.each([
      ['RUN_NOT_RUNNING', 409],
      ['SECRET_NOT_FOUND', 404],
    ])('passes the control plane’s %s on as %i with its code', async (code, status) => {
      controlPlane.refuseSecretsWith = code;
      try {
        const answer = await post('runs/secrets', {
          lease,
          publicKey: generateSealingKeyPair().publicKey,
        });
        expect(answer.status).toBe(status);
        expect(answer.body.error.code).toBe(code);
      } finally {
        controlPlane.refuseSecretsWith = undefined;
      }
    });

    it('refuses another agent’s lease, a forged one, a bad key and fields of the caller’s choosing', async () => {
      const asked = controlPlane.secretRequests.length;
      const publicKey = generateSealingKeyPair().publicKey;
      const foreign = await post('runs/secrets', { lease, publicKey }, stranger);
      expect(foreign.status).toBe(403);
      expect(foreign.body.error.code).toBe('LEASE_INVALID');
      const forged = await post('runs/secrets', { lease: `${lease.slice(0, -2)}AA`, publicKey });
      expect(forged.status).toBe(403);
      for (const bad of [
        'abc',
        Buffer.alloc(33).toString('base64url'),
        `${publicKey.slice(0, -1)}B`,
      ]) {
        expect((await post('runs/secrets', { lease, publicKey: bad })).status).toBe(400);
      }
      const smuggled = await post('runs/secrets', { lease, publicKey, orgId: randomUUID() });
      expect(smuggled.status).toBe(400);
      expect(smuggled.body.error.message).toContain('orgId');
      expect(controlPlane.secretRequests).toHaveLength(asked);
    });
  });

  describe('POST /agent/v1/runs/log', () => {
    const messages = [
      { at: '2026-03-01T10:00:00.000Z', level: 'info', step: 'transformation', text: 'order A-1' },
      { at: '2026-03-01T10:00:01.250Z', level: 'warn', text: 'two lines\nof text ✓' },
    ];

    it('stores the batch as a run.log event on the run’s events subject before answering', async () => {
      const before = await storedEvents();
      const answer = await post('runs/log', { lease, messages });
      expect(answer.status).toBe(204);
      expect(await storedEvents()).toBe(before + 1);
      const stored = await nextEvents(1);
      expect(stored[0]).toMatchObject({
        type: 'run.log',
        orgId,
        environmentId,
        agentGroupId: groupId,
        payload: { runId, agentId: agent.identity.agentId, attempt: 1, messages },
      });
    });

    it('stores a batch sent twice (a retry after a lost answer) once', async () => {
      const before = await storedEvents();
      const batch = { lease, messages: [{ ...messages[0], text: 'sent twice' }] };
      expect((await post('runs/log', batch)).status).toBe(204);
      expect((await post('runs/log', batch)).status).toBe(204);
      expect(await storedEvents()).toBe(before + 1);
      expect((await nextEvents(1))[0]?.payload).toMatchObject({ messages: batch.messages });
    });

    const one = messages[0]!;
    it.each([
      ['no messages', []],
      ['51 messages', Array.from({ length: 51 }, () => one)],
      ['an unknown field in a message', [{ ...one, secret: 'x' }]],
      ['text over 1,000 characters', [{ ...one, text: 'x'.repeat(1001) }]],
      ['an unknown level', [{ ...one, level: 'debug' }]],
      ['an unknown step', [{ ...one, step: 'mapping' }]],
      ['a time that is not UTC', [{ ...one, at: '2026-03-01T10:00:00+01:00' }]],
      ['a time that is not a date', [{ ...one, at: '2026-02-30T10:00:00Z' }]],
      ['no time', [{ level: 'info', text: 'x' }]],
      ['a text that is not a string', [{ ...one, text: 42 }]],
    ])('refuses %s with 400, storing nothing', async (_what, bad) => {
      const before = await storedEvents();
      const answer = await post('runs/log', { lease, messages: bad });
      expect(answer.status).toBe(400);
      expect(await storedEvents()).toBe(before);
    });

    it('refuses a call over 64 KiB with 413, and a foreign lease with 403', async () => {
      const before = await storedEvents();
      const heavy = Array.from({ length: 40 }, () => ({ ...one, text: 'é'.repeat(1000) }));
      const tooLarge = await post('runs/log', { lease, messages: heavy });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body.error).toEqual({
        code: 'PAYLOAD_TOO_LARGE',
        message: 'an operation log call carries at most 65536 bytes',
      });
      const foreign = await post('runs/log', { lease, messages }, stranger);
      expect(foreign.status).toBe(403);
      expect(await storedEvents()).toBe(before);
    });
  });
});
