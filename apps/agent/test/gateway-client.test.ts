import { createPublicKey, verify } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SecretValue } from '../src/config/secret-value.js';
import { GatewayClient } from '../src/gateway/gateway-client.js';
import { GatewayTransport } from '../src/gateway/gateway-transport.js';
import { AgentGatewayError } from '../src/gateway/gateway.error.js';
import {
  readAgentIdentity,
  signChallenge,
  TOKEN_SIGNATURE_CONTEXT,
} from '../src/identity/agent-identity.js';
import { ConnectProxy } from './support/connect-proxy.js';
import { capturedLogger, makeTempDir } from './support/fixtures.js';
import { GatewayDouble } from './support/gateway-double.js';
import { mintTestCertificates } from './support/test-ca.js';

const FAST_RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 };

let gateway: GatewayDouble;
let stateDir: string;
let removeStateDir: () => Promise<void>;
const transports: GatewayTransport[] = [];

beforeEach(async () => {
  gateway = await new GatewayDouble().start();
  ({ path: stateDir, remove: removeStateDir } = await makeTempDir());
});
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  await gateway.stop();
  await removeStateDir();
});

function transportTo(
  url: string,
  proxy: { url: string; noProxy?: string[] } | null = null,
  extraCaPem: string | null = null,
) {
  const transport = new GatewayTransport({
    gatewayUrl: url,
    extraCaPem,
    proxy:
      proxy === null
        ? null
        : { origin: proxy.url, username: null, password: null, noProxy: proxy.noProxy ?? [] },
  });
  transports.push(transport);
  return transport;
}

function clientFor(token: string | null, transport = transportTo(gateway.url)) {
  const captured = capturedLogger();
  const client = new GatewayClient({
    transport,
    stateDir,
    enrolmentToken: token === null ? null : new SecretValue(token),
    agent: { name: 'edge-1', version: '0.1.0', host: 'host-1' },
    logger: captured.logger,
    retry: FAST_RETRY,
  });
  return { client, ...captured };
}

describe('enrolment', () => {
  it('stores the identity with mode 0600 and never sends the private key', async () => {
    const token = gateway.mintEnrolmentToken();
    const { client, lines } = clientFor(token);
    const identity = await client.identity();

    const path = join(stateDir, 'identity.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
    expect(stored).toMatchObject({ agentId: identity.agentId, orgId: 'org-1', groupId: 'group-1' });
    expect(stored['privateKey']).toContain('-----BEGIN PRIVATE KEY-----');

    const [enrol] = gateway.callsTo('/agent/v1/enrol');
    expect(enrol?.body).toEqual({
      token,
      publicKey: identity.publicKey,
      name: 'edge-1',
      version: '0.1.0',
      host: 'host-1',
    });
    const everythingSent = JSON.stringify(gateway.calls);
    const pkcs8 = identity.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    expect(everythingSent).not.toContain(pkcs8);
    expect(everythingSent).not.toContain('PRIVATE KEY');
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).not.toContain('another agent group'); // no expectedGroupId given

    // A restart reads the same identity back, without enrolling again.
    const again = await readAgentIdentity(stateDir);
    expect(again?.agentId).toBe(identity.agentId);
    expect(again?.publicKey).toBe(identity.publicKey);
  });

  it('warns when the token enrolled the agent into another group than agentGroupId', async () => {
    const { logger, records } = capturedLogger();
    const client = new GatewayClient({
      transport: transportTo(gateway.url),
      stateDir,
      enrolmentToken: new SecretValue(gateway.mintEnrolmentToken()),
      agent: { name: 'edge-1', version: '0.1.0', host: 'host-1' },
      expectedGroupId: 'emea-private-1',
      logger,
    });
    await client.identity();
    expect(records().filter((line) => line['level'] === 'warn')).toEqual([
      expect.objectContaining({ agentGroupId: 'emea-private-1', enrolledGroupId: 'group-1' }),
    ]);
  });

  it('stops for good when the gateway refuses the token', async () => {
    const { client } = clientFor(`wet_${'x'.repeat(32)}`);
    const error = await client.identity().catch((caught: unknown) => caught);
    expect(AgentGatewayError.is(error) && error.code).toBe('ENROLMENT_TOKEN_INVALID');
    expect(AgentGatewayError.is(error) && error.stopsAgent).toBe(true);
    expect(client.stopSignal.aborted).toBe(true);
    expect(await readAgentIdentity(stateDir)).toBeNull();
  });

  it('treats a token the gateway rejects as malformed (400) as a refusal too', async () => {
    gateway.fail('/agent/v1/enrol', 400, 'VALIDATION_FAILED');
    const { client } = clientFor(gateway.mintEnrolmentToken());
    const error = await client.identity().catch((caught: unknown) => caught);
    expect(AgentGatewayError.is(error) && [error.code, error.gatewayCode]).toEqual([
      'ENROLMENT_TOKEN_INVALID',
      'VALIDATION_FAILED',
    ]);
    expect(client.stopSignal.aborted).toBe(true);
  });

  it('stops with AGENT_IDENTITY_INVALID when identity.json is damaged, without enrolling again', async () => {
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(stateDir, 'identity.json'), '{"version":1,"agentId":"a"}', {
      mode: 0o600,
    });
    const { client } = clientFor(gateway.mintEnrolmentToken());
    const error = await client.identity().catch((caught: unknown) => caught);
    expect(AgentGatewayError.is(error) && error.code).toBe('AGENT_IDENTITY_INVALID');
    expect(client.stopSignal.aborted).toBe(true);
    expect(gateway.callsTo('/agent/v1/enrol')).toEqual([]);
  });

  it('retries a gateway that is restarting (5xx) before enrolling', async () => {
    gateway.fail('/agent/v1/enrol', 503, 'UNAVAILABLE', 2);
    const { client } = clientFor(gateway.mintEnrolmentToken());
    await client.call('/agent/v1/heartbeat', { version: '0.1.0' });
    expect(gateway.callsTo('/agent/v1/enrol')).toHaveLength(3);
    expect(gateway.callsTo('/agent/v1/heartbeat')).toHaveLength(1);
  });
});

describe('access tokens', () => {
  it('signs weft-agent-token-v1:<challenge> with the agent key; the signature verifies', async () => {
    const { client } = clientFor(gateway.mintEnrolmentToken());
    const identity = await client.identity();
    const signature = signChallenge(identity.privateKey, 'the-challenge');
    const publicKey = createPublicKey({
      key: Buffer.from(identity.publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    const signed = Buffer.from(`${TOKEN_SIGNATURE_CONTEXT}the-challenge`, 'utf8');
    expect(verify(null, signed, publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(
      verify(null, Buffer.from('the-challenge'), publicKey, Buffer.from(signature, 'base64')),
    ).toBe(false);

    // And the gateway double, which verifies the same way, hands out a token that works.
    await client.call('/agent/v1/heartbeat', {});
    const [heartbeat] = gateway.callsTo('/agent/v1/heartbeat');
    expect(heartbeat?.authorization).toMatch(/^Bearer .+/);
  });

  it('reuses a token until it is due, then renews it before it expires', async () => {
    gateway.tokenLifetimeMs = 1000; // renewed at a fifth of the lifetime left: after 800 ms
    const { client } = clientFor(gateway.mintEnrolmentToken());
    await client.call('/agent/v1/heartbeat', {});
    await client.call('/agent/v1/heartbeat', {});
    expect(gateway.callsTo('/agent/v1/token')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 850));
    await client.call('/agent/v1/heartbeat', {});
    expect(gateway.callsTo('/agent/v1/token')).toHaveLength(2);
    const auths = gateway.callsTo('/agent/v1/heartbeat').map((call) => call.authorization);
    expect(auths[2]).not.toBe(auths[0]);
  });

  it('on 401 authenticates again once and retries the call', async () => {
    const { client } = clientFor(gateway.mintEnrolmentToken());
    await client.call('/agent/v1/heartbeat', {});
    gateway.forgetTokens();
    await client.call('/agent/v1/heartbeat', {});
    const heartbeats = gateway.callsTo('/agent/v1/heartbeat');
    expect(heartbeats).toHaveLength(3); // ok, 401, ok with the new token
    expect(gateway.callsTo('/agent/v1/token')).toHaveLength(2);
    expect(heartbeats[2]?.authorization).not.toBe(heartbeats[1]?.authorization);
  });

  it('a second 401 in a row is an error, not a loop', async () => {
    const { client } = clientFor(gateway.mintEnrolmentToken());
    await client.call('/agent/v1/heartbeat', {});
    gateway.fail('/agent/v1/heartbeat', 401, 'UNAUTHENTICATED', 2);
    const error = await client.call('/agent/v1/heartbeat', {}).catch((caught: unknown) => caught);
    expect(AgentGatewayError.is(error) && [error.code, error.status]).toEqual([
      'GATEWAY_REFUSED',
      401,
    ]);
    expect(client.stopSignal.aborted).toBe(false);
  });

  it('401 AGENT_REVOKED stops the client: the call and every later one fail with it', async () => {
    const { client } = clientFor(gateway.mintEnrolmentToken());
    const identity = await client.identity();
    await client.call('/agent/v1/heartbeat', {});
    gateway.revoke(identity.agentId);
    const error = await client.call('/agent/v1/heartbeat', {}).catch((caught: unknown) => caught);
    expect(AgentGatewayError.is(error) && error.code).toBe('AGENT_REVOKED');
    expect(client.stopSignal.aborted).toBe(true);
    expect(client.stopSignal.reason).toBe(error);
    const callsBefore = gateway.calls.length;
    await expect(client.call('/agent/v1/heartbeat', {})).rejects.toBe(error);
    expect(gateway.calls.length).toBe(callsBefore); // nothing more was sent
  });
});

describe('retries', () => {
  it('retries network errors and 5xx with backoff, then gives up with GATEWAY_UNAVAILABLE', async () => {
    const { client } = clientFor(gateway.mintEnrolmentToken());
    await client.identity();
    gateway.fail('/agent/v1/heartbeat', 502, 'BAD_GATEWAY', 2);
    await client.call('/agent/v1/heartbeat', {});
    expect(gateway.callsTo('/agent/v1/heartbeat')).toHaveLength(3);

    gateway.fail('/agent/v1/heartbeat', 503, 'UNAVAILABLE', 3);
    const error = await client.call('/agent/v1/heartbeat', {}).catch((caught: unknown) => caught);
    expect(AgentGatewayError.is(error) && error.code).toBe('GATEWAY_UNAVAILABLE');
  });

  it('a gateway that is down is GATEWAY_UNAVAILABLE naming the errno, not a crash', async () => {
    const url = gateway.url;
    await gateway.stop();
    const { client } = clientFor('wet_unused-token-value', transportTo(url));
    const error = await client.identity().catch((caught: unknown) => caught);
    expect(AgentGatewayError.is(error) && error.code).toBe('GATEWAY_UNAVAILABLE');
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(client.stopSignal.aborted).toBe(false);
    gateway = await new GatewayDouble().start(); // for afterEach
  });
});

describe('the proxy', () => {
  let proxy: ConnectProxy;
  beforeEach(async () => {
    proxy = await new ConnectProxy().start();
  });
  afterEach(() => proxy.stop());

  it('tunnels every gateway call through the CONNECT proxy when proxyUrl is set', async () => {
    const transport = transportTo(gateway.url, { url: proxy.url });
    expect(transport.viaProxy).toBe(true);
    const { client } = clientFor(gateway.mintEnrolmentToken(), transport);
    await client.call('/agent/v1/heartbeat', {});
    const { port } = new URL(gateway.url);
    expect(proxy.tunnels.map((tunnel) => tunnel.target)).toContain(`127.0.0.1:${port}`);
    expect(gateway.callsTo('/agent/v1/heartbeat')).toHaveLength(1);
  });

  it('authenticates to the proxy with the credentials from proxyUrl', async () => {
    const password = `pw-${Date.now()}`;
    const transport = new GatewayTransport({
      gatewayUrl: gateway.url,
      extraCaPem: null,
      proxy: {
        origin: proxy.url,
        username: 'agent',
        password: new SecretValue(password),
        noProxy: [],
      },
    });
    transports.push(transport);
    const { client, lines } = clientFor(gateway.mintEnrolmentToken(), transport);
    await client.call('/agent/v1/heartbeat', {});
    expect(proxy.tunnels[0]?.authorization).toBe(
      `Basic ${Buffer.from(`agent:${password}`).toString('base64')}`,
    );
    expect(lines.join('\n')).not.toContain(password);
  });

  it('goes direct when the gateway host is in noProxy', async () => {
    const transport = transportTo(gateway.url, { url: proxy.url, noProxy: ['127.0.0.1'] });
    expect(transport.viaProxy).toBe(false);
    const { client } = clientFor(gateway.mintEnrolmentToken(), transport);
    await client.call('/agent/v1/heartbeat', {});
    expect(proxy.tunnels).toEqual([]);
    expect(gateway.callsTo('/agent/v1/heartbeat')).toHaveLength(1);
  });
});

describe('TLS', () => {
  it('trusts a gateway certificate from the caFile CA, and refuses it without', async () => {
    const certificates = await mintTestCertificates(stateDir);
    const secure = await new GatewayDouble().start(certificates);
    try {
      expect(secure.url).toMatch(/^https:/);
      const trusting = clientFor(
        secure.mintEnrolmentToken(),
        transportTo(secure.url, null, certificates.caPem),
      );
      await trusting.client.call('/agent/v1/heartbeat', {});
      expect(secure.callsTo('/agent/v1/heartbeat')).toHaveLength(1);

      const { client } = clientFor(secure.mintEnrolmentToken(), transportTo(secure.url));
      // Same stateDir: already enrolled, so the first network call is the challenge.
      const error = await client.call('/agent/v1/heartbeat', {}).catch((caught: unknown) => caught);
      expect(AgentGatewayError.is(error) && error.code).toBe('GATEWAY_UNAVAILABLE');
      expect((error as Error).message).toMatch(/CERT|SIGNATURE|ISSUER/);
      expect(secure.callsTo('/agent/v1/challenge')).toHaveLength(1);
      expect(secure.callsTo('/agent/v1/heartbeat')).toHaveLength(1);
    } finally {
      await secure.stop();
    }
  });
});
