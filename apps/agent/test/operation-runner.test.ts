import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConnectorError,
  createMemoryConnector,
  type ConnectorRecord,
  type MemoryStore,
} from '@weft/connector-sdk';
import { ConnectorOperationRunner } from '../src/operations/connector-operation-runner.js';
import { builtInConnectors } from '../src/operations/connector-registry.js';
import { NO_SECRET_REFERENCES } from '../src/secrets/secret-reference-policy.js';
import type { RecordCounts, RunContext } from '../src/runs/work-source.js';
import { capturedLogger, makeTempDir, run } from './support/fixtures.js';

let root: string;
let removeRoot: () => Promise<void>;
let logDir: string;
let workDir: string;

beforeEach(async () => {
  ({ path: root, remove: removeRoot } = await makeTempDir());
  logDir = join(root, 'logs');
  workDir = join(root, 'work', 'run-1');
  await mkdir(logDir, { recursive: true });
  await mkdir(workDir, { recursive: true });
});
afterEach(() => removeRoot());

let builtIns: Awaited<ReturnType<typeof builtInConnectors>>;
beforeAll(async () => {
  builtIns = await builtInConnectors();
});

const TODAY = new Date('2026-11-24T12:00:00Z');

function runner(options: { agentKind?: 'private' | 'cloud'; store?: MemoryStore } = {}) {
  return new ConnectorOperationRunner({
    agentKind: options.agentKind ?? 'private',
    logDir,
    secretReferences: NO_SECRET_REFERENCES,
    env: {},
    connectors: [...builtIns, createMemoryConnector(options.store ?? new Map())],
    now: () => TODAY,
  });
}

function context(): RunContext & { records: RecordCounts } {
  return {
    workDir,
    signal: new AbortController().signal,
    logger: capturedLogger().logger,
    records: { read: 0, written: 0, failed: 0 },
  };
}

async function failure(promise: Promise<unknown>): Promise<{ code?: unknown; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error('expected the run to fail');
    },
    (caught: unknown) => caught,
  );
  return error as { code?: unknown; message: string };
}

async function recordFile(kind: 'succeeded' | 'failed', runId: string) {
  const path = join(logDir, `weft-run-2026-11-24-${runId}-${kind}.ndjson`);
  const text = await readFile(path, 'utf8');
  return {
    mode: (await stat(path)).mode & 0o777,
    lines: text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Target fields built from a customer; email must look like one (a validation rule). */
const CUSTOMER_MAPPING = {
  version: 1,
  records: [
    {
      fields: {
        id: '$record.id',
        email: { value: '$record.email', validate: { pattern: '^[^@]+@[^@]+$' } },
        name: '$uppercase($record.name)',
      },
    },
  ],
};

const CUSTOMERS: ConnectorRecord[] = [
  { id: 1, email: 'ann@example.com', name: 'ann' },
  { id: 2, email: 'not-an-email', name: 'bob' }, // the mapping's rule refuses it
  { email: 'cy@example.com', name: 'cy' }, // no id: the memory target refuses it
  { id: 4, email: 'dee@example.com', name: 'dee' },
];

describe('ConnectorOperationRunner with example.memory', () => {
  it('reads, maps with validation, writes, counts, and files good and failed records (0600)', async () => {
    const store: MemoryStore = new Map([
      ['customers', new Map(CUSTOMERS.map((record, index) => [String(index), record]))],
    ]);
    const ctx = context();
    await runner({ store }).run(
      run('r-mem', {
        version: 1,
        source: { connector: 'example.memory', config: { collection: 'customers', batchSize: 3 } },
        transformation: { mapping: CUSTOMER_MAPPING },
        target: { connector: 'example.memory', config: { collection: 'crm' } },
        chunkRecords: 2,
      }),
      ctx,
    );

    expect(ctx.records).toEqual({ read: 4, written: 2, failed: 2 });
    expect([...(store.get('crm')?.values() ?? [])]).toEqual([
      { id: 1, email: 'ann@example.com', name: 'ANN' },
      { id: 4, email: 'dee@example.com', name: 'DEE' },
    ]);
    const succeeded = await recordFile('succeeded', 'r-mem');
    expect(succeeded.mode).toBe(0o600);
    expect(succeeded.lines.map((line) => line['record'])).toEqual([
      { id: 1, email: 'ann@example.com', name: 'ANN' },
      { id: 4, email: 'dee@example.com', name: 'DEE' },
    ]);
    const failed = await recordFile('failed', 'r-mem');
    expect(failed.mode).toBe(0o600);
    expect(failed.lines).toEqual([
      {
        sourceRecord: 2,
        stage: 'mapping',
        reasons: [expect.objectContaining({ path: 'email', rule: 'pattern' })],
        record: CUSTOMERS[1],
      },
      {
        stage: 'target',
        reasons: ['record has no string or number id field'],
        record: { email: 'cy@example.com', name: 'CY' },
      },
    ]);
    // Transient data stays in the run folder (the run loop deletes it).
    expect(await readdir(workDir)).toEqual(['target-records.ndjson']);
  });

  it('without a target counts mapped records as written; without anything succeeds with zero counts', async () => {
    const store: MemoryStore = new Map([
      ['customers', new Map(CUSTOMERS.map((record, index) => [String(index), record]))],
    ]);
    const ctx = context();
    await runner({ store }).run(
      run('r-drop', {
        version: 1,
        source: { connector: 'example.memory', config: { collection: 'customers' } },
        transformation: { mapping: CUSTOMER_MAPPING },
      }),
      ctx,
    );
    expect(ctx.records).toEqual({ read: 4, written: 3, failed: 1 });

    const empty = context();
    await runner().run(run('r-empty', { version: 1 }), empty);
    expect(empty.records).toEqual({ read: 0, written: 0, failed: 0 });
    expect((await readdir(logDir)).filter((name) => name.includes('r-empty'))).toEqual([]);
  });

  it('refuses connectors that are not installed, and private-only ones on a cloud agent', async () => {
    const unknown = await failure(
      runner().run(
        run('r-x', { version: 1, source: { connector: 'acme.exfiltrate', config: {} } }),
        context(),
      ),
    );
    expect(unknown.code).toBe('connector_not_allowed');
    expect(unknown.message).toContain('acme.exfiltrate');

    const files = {
      version: 1,
      source: { connector: 'files', config: { directory: root, pattern: '*.csv', format: 'csv' } },
    };
    const privateOnly = await failure(
      runner({ agentKind: 'cloud' }).run(run('r-f', files), context()),
    );
    expect(privateOnly.code).toBe('private_only');
  });

  it('fails with a code before any I/O for a bad operation, config or mapping', async () => {
    expect((await failure(runner().run(run('r-1', { version: 2 }), context()))).code).toBe(
      'invalid_operation',
    );
    const badConfig = {
      version: 1,
      source: { connector: 'example.memory', config: { collection: '../etc' } },
    };
    expect((await failure(runner().run(run('r-2', badConfig), context()))).code).toBe(
      'invalid_config',
    );
    const badMapping = {
      version: 1,
      source: { connector: 'example.memory', config: { collection: 'c' } },
      transformation: { mapping: { version: 1, records: [{ fields: { a: '$(' } }] } },
    };
    expect((await failure(runner().run(run('r-3', badMapping), context()))).code).toBe(
      'invalid_mapping',
    );
  });
});

describe('ConnectorOperationRunner with the http connector', () => {
  let server: Server;
  let port: number;
  const received: unknown[] = [];

  beforeEach(async () => {
    received.length = 0;
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.method === 'GET' && req.url === '/customers') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ data: CUSTOMERS.filter((record) => record['id'] !== undefined) }),
          );
          return;
        }
        if (req.method === 'POST' && req.url === '/crm') {
          const record = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number };
          received.push(record);
          // The target refuses customer 4 (a business rule on its side).
          res.writeHead(record.id === 4 ? 422 : 201).end();
          return;
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  function httpOperation(egress?: { allow: string[] }, targetUrl = `http://127.0.0.1:${port}/crm`) {
    return {
      version: 1,
      source: {
        connector: 'http',
        config: { url: `http://127.0.0.1:${port}/customers`, recordsPath: 'data' },
      },
      transformation: { mapping: CUSTOMER_MAPPING },
      target: {
        connector: 'http',
        config: { url: targetUrl, body: { mode: 'per-record' }, retries: { maxAttempts: 1 } },
      },
      ...(egress === undefined ? {} : { egress }),
    };
  }

  it('reads from and writes to loopback HTTP on a private agent, filing the refused record', async () => {
    const ctx = context();
    await runner().run(run('r-http', httpOperation()), ctx);
    expect(ctx.records).toEqual({ read: 3, written: 1, failed: 2 });
    expect(received).toEqual([
      { id: 1, email: 'ann@example.com', name: 'ANN' },
      { id: 4, email: 'dee@example.com', name: 'DEE' },
    ]);
    expect((await recordFile('succeeded', 'r-http')).lines).toEqual([
      { record: { id: 1, email: 'ann@example.com', name: 'ANN' } },
    ]);
    const failed = (await recordFile('failed', 'r-http')).lines;
    expect(failed.map((line) => line['stage'])).toEqual(['mapping', 'target']);
    expect(String((failed[1]?.['reasons'] as string[])[0])).toContain('422');
  });

  it('on a cloud agent refuses loopback (egress_denied) unless the organization allows it', async () => {
    const denied = await failure(
      runner({ agentKind: 'cloud' }).run(run('r-ssrf', httpOperation()), context()),
    );
    expect(ConnectorError.is(denied) && denied.code).toBe('egress_denied');
    expect(denied.message).toBe(
      'egress to 127.0.0.1 (loopback) refused for a cloud agent; an administrator can allow-list it',
    );
    expect(received).toEqual([]);

    const ctx = context();
    await runner({ agentKind: 'cloud' }).run(
      run('r-allowed', httpOperation({ allow: ['127.0.0.1'] })),
      ctx,
    );
    expect(ctx.records).toEqual({ read: 3, written: 1, failed: 2 });
  });

  it('runs a cloud agent group’s run as a cloud run even on an agent configured as private', async () => {
    const denied = await failure(
      runner({ agentKind: 'private' }).run(
        { ...run('r-cloud', httpOperation()), cloud: true },
        context(),
      ),
    );
    expect(ConnectorError.is(denied) && denied.code).toBe('egress_denied');
    expect(received).toEqual([]);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://10.0.0.1/crm', 'private'],
  ])('on a cloud agent refuses a target at %s before connecting', async (targetUrl, category) => {
    const operation = httpOperation({ allow: ['127.0.0.1'] }, targetUrl);
    const denied = await failure(
      runner({ agentKind: 'cloud' }).run(run('r-t', operation), context()),
    );
    expect(ConnectorError.is(denied) && denied.code).toBe('egress_denied');
    expect(denied.message).toContain(`(${category}) refused for a cloud agent`);
  });
});
