import { createMemoryConnector, type MemoryStore } from '@weft/connector-sdk';
import { SecretValue } from '../src/config/secret-value.js';
import { GatewayClient } from '../src/gateway/gateway-client.js';
import { GatewayTransport } from '../src/gateway/gateway-transport.js';
import { GatewayWorkSource } from '../src/gateway/gateway-work-source.js';
import { ConnectorOperationRunner } from '../src/operations/connector-operation-runner.js';
import { NO_SECRET_REFERENCES } from '../src/secrets/secret-reference-policy.js';
import { loadAgentConfig, runAgent } from '../src/index.js';
import { capturedLogger, makeTempDir, minimalEnv } from './support/fixtures.js';
import { GatewayDouble } from './support/gateway-double.js';

let gateway: GatewayDouble;
let root: string;
let removeRoot: () => Promise<void>;
let store: MemoryStore;

beforeEach(async () => {
  gateway = await new GatewayDouble().start();
  ({ path: root, remove: removeRoot } = await makeTempDir());
  gateway.vault.set('CUSTOMERS', 'customers');
  gateway.vault.set('CRM_TOKEN', 'crm-token-0f9e8d7c6b5a');
  store = new Map([
    [
      'customers',
      new Map([
        ['1', { id: 1, name: 'ann', note: 'token crm-token-0f9e8d7c6b5a leaked here' }],
        ['2', { id: 2, name: 'bob', note: 'fine' }],
      ]),
    ],
  ]);
});
afterEach(async () => {
  await gateway.stop();
  await removeRoot();
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const OPERATION = {
  version: 1,
  source: { connector: 'example.memory', config: { collection: '${CUSTOMERS}' } },
  transformation: {
    mapping: {
      version: 1,
      records: [{ fields: { id: '$record.id', note: '$writeToOperationLog($record.note)' } }],
    },
  },
  target: { connector: 'example.memory', config: { collection: 'crm' } },
  secrets: [
    {
      name: 'CUSTOMERS',
      kind: 'variable',
      reference: 'vault:5b8e2f0a-1c3d-4e5f-8a9b-0c1d2e3f4a5b',
    },
    {
      name: 'CRM_TOKEN',
      kind: 'credential',
      reference: 'vault:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    },
  ],
};

/** The agent as weft-agent runs it, on the gateway double, with the memory connector. */
async function runOnAgent(cloudLogging: boolean): Promise<{ stop: () => Promise<void> }> {
  const { logger } = capturedLogger();
  const transport = new GatewayTransport({
    gatewayUrl: gateway.url,
    proxy: null,
    extraCaPem: null,
  });
  const client = new GatewayClient({
    transport,
    stateDir: `${root}/state`,
    enrolmentToken: new SecretValue(gateway.mintEnrolmentToken()),
    agent: { name: 'edge-1', version: '0.1.0', host: 'host-1' },
    logger,
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
  });
  const source = new GatewayWorkSource({
    client,
    gatewayUrl: gateway.url,
    logger,
    cloudLogging,
    maxConcurrentRuns: 1,
    agent: { version: '0.1.0', host: 'host-1' },
    completeRetry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    onClose: () => transport.close(),
  });
  const config = await loadAgentConfig({
    env: {
      ...minimalEnv(root, 'wet_not-used-by-this-source'),
      WEFT_AGENT_GATEWAY_URL: gateway.url,
    },
    cwd: root,
  });
  const shutdown = new AbortController();
  const stopped = runAgent({
    config,
    logger,
    shutdownSignal: shutdown.signal,
    workSource: source,
    operationRunner: new ConnectorOperationRunner({
      agentKind: 'private',
      logDir: config.logDir,
      secretReferences: NO_SECRET_REFERENCES,
      env: {},
      connectors: [createMemoryConnector(store)],
    }),
  });
  return {
    stop: async () => {
      shutdown.abort();
      await stopped;
    },
  };
}

describe('a gateway run with vault secrets and the operation log', () => {
  it('fetches the sealed secrets with its lease and sends the masked log before completing', async () => {
    const agent = await runOnAgent(true);
    gateway.pushRun({ runId: 'run-v', operation: OPERATION });
    await until(() => gateway.callsTo('/agent/v1/runs/complete').length === 1);
    await agent.stop();

    const complete = gateway.callsTo('/agent/v1/runs/complete')[0]!.body;
    expect(complete).toMatchObject({
      status: 'succeeded',
      records: { read: 2, written: 2, failed: 0 },
    });
    const lease = complete['lease'];
    const [secrets] = gateway.callsTo('/agent/v1/runs/secrets');
    expect(secrets?.body).toEqual({ lease, publicKey: expect.stringMatching(/^[\w-]{43}$/) });
    expect([...(store.get('crm')?.values() ?? [])].map((record) => record['id'])).toEqual([1, 2]);

    // Every runs/log call came before runs/complete, with the lease of the run.
    const paths = gateway.calls.map((call) => call.path);
    const lastLog = paths.lastIndexOf('/agent/v1/runs/log');
    expect(lastLog).toBeGreaterThan(paths.indexOf('/agent/v1/runs/secrets'));
    expect(lastLog).toBeLessThan(paths.indexOf('/agent/v1/runs/complete'));
    expect(
      gateway.callsTo('/agent/v1/runs/log').every((call) => call.body['lease'] === lease),
    ).toBe(true);
    const texts = gateway.operationLog.flatMap((batch) =>
      batch.messages.map((message) => (message as { text: string }).text),
    );
    expect(texts).toEqual([
      'token [REDACTED] leaked here',
      'fine',
      'source example.memory: read 2 records',
      'target example.memory: wrote 2 records',
    ]);
  });

  it('with cloud logging off sends no operation log at all', async () => {
    const agent = await runOnAgent(false);
    gateway.pushRun({ runId: 'run-quiet', operation: OPERATION });
    await until(() => gateway.callsTo('/agent/v1/runs/complete').length === 1);
    await agent.stop();
    expect(gateway.callsTo('/agent/v1/runs/complete')[0]?.body['status']).toBe('succeeded');
    expect(gateway.callsTo('/agent/v1/runs/log')).toEqual([]);
  });

  it('fails the run secret_unavailable when the control plane refuses the secrets', async () => {
    gateway.fail('/agent/v1/runs/secrets', 404, 'SECRET_NOT_FOUND');
    const agent = await runOnAgent(true);
    gateway.pushRun({ runId: 'run-missing', operation: OPERATION });
    await until(() => gateway.callsTo('/agent/v1/runs/complete').length === 1);
    await agent.stop();
    expect(gateway.callsTo('/agent/v1/runs/complete')[0]?.body).toMatchObject({
      status: 'failed',
      records: { read: 0, written: 0, failed: 0 },
      error: {
        code: 'secret_unavailable',
        message:
          'vault secrets unavailable: CUSTOMERS, CRM_TOKEN: the gateway answered 404 SECRET_NOT_FOUND',
      },
    });
    expect(store.has('crm')).toBe(false);
  });
});
