import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ConnectorError, createEgressGuard } from '@weft/connector-sdk';
import { testS3 } from '@weft/testing';
import { s3Connector, type S3Config } from '../src/index.js';
import { batchesOf, collect, failure, TestEgress, testContext, type LogLine } from './context.js';

const s3 = testS3();
const endpoint = new URL(s3.endpoint);
// s3rver reads any other host name as a bucket (CNAME style), so the endpoint is "localhost";
// a test below points the guard elsewhere to prove the connector uses the guard's address.
const HOST = 'localhost';
const egress = (): TestEgress => new TestEgress(new Set([HOST]), new Map([[HOST, '127.0.0.1']]));
const bucket = 'weft-connectors';
const ctx = (options: Parameters<typeof testContext>[0] = {}) =>
  testContext({
    egress: egress(),
    secrets: { S3_KEY_ID: s3.accessKeyId, S3_SECRET: s3.secretAccessKey },
    ...options,
  });

function config(extra: Record<string, unknown>): S3Config {
  return s3Connector.validate({
    bucket,
    region: s3.region,
    endpoint: `http://${HOST}:${endpoint.port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: { secret: 'S3_KEY_ID' }, secretAccessKey: { secret: 'S3_SECRET' } },
    format: 'ndjson',
    ...extra,
  });
}
const records = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `name ${i + 1}`, ok: i % 2 === 0 }));

let raw: S3Client;
beforeAll(async () => {
  raw = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  await raw.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
});
afterAll(() => raw.destroy());

describe('validate', () => {
  it('names the faulty field and refuses non-HTTP endpoints', () => {
    expect(() => config({ format: 'xml' })).toThrow(/format/);
    expect(() => config({ bucket: 'Not_A_Bucket' })).toThrow(/bucket/);
    expect(() => config({ credentials: { accessKeyId: 'a' } })).toThrow(
      /credentials.secretAccessKey/,
    );
    expect(() => config({ key: 'a', prefix: 'b/' })).toThrow(/key/);
    let code: string | undefined;
    try {
      config({ endpoint: 'file:///etc/passwd' });
    } catch (error) {
      code = (error as { code?: string }).code;
    }
    expect(code).toBe('protocol_denied');
  });
});

describe.each(['ndjson', 'json', 'csv'] as const)('%s', (format) => {
  it('writes records to one object and reads them back in batches', async () => {
    const prefix = `roundtrip-${format}/`;
    const summary = await s3Connector.write!(
      config({ format, prefix }),
      batchesOf(records(2500), 700),
      ctx({ idempotencyKey: 'idem-1' }),
    );
    expect(summary).toEqual({ written: 2500, failed: 0 });
    const batches = await collect(
      s3Connector.read!(config({ format, prefix, batchSize: 1000 }), ctx()),
    );
    expect(batches.map((batch) => batch.length)).toEqual([1000, 1000, 500]);
    const expected =
      format === 'csv'
        ? records(2500).map((r) => ({ id: String(r.id), name: r.name, ok: String(r.ok) }))
        : records(2500);
    expect(batches.flat()).toEqual(expected);
  });
});

it('reads every object under a prefix, in key order, and uses the idempotency key as the object name', async () => {
  await s3Connector.write!(
    config({ prefix: 'many/' }),
    batchesOf(records(3), 3),
    ctx({ idempotencyKey: 'b' }),
  );
  await s3Connector.write!(
    config({ prefix: 'many/' }),
    batchesOf(records(2), 3),
    ctx({ idempotencyKey: 'a' }),
  );
  // A retry of run "a" overwrites its own object rather than adding one.
  await s3Connector.write!(
    config({ prefix: 'many/' }),
    batchesOf(records(2), 3),
    ctx({ idempotencyKey: 'a' }),
  );
  const batches = await collect(s3Connector.read!(config({ prefix: 'many/' }), ctx()));
  expect(batches.map((batch) => batch.map((r) => r['id']))).toEqual([
    [1, 2],
    [1, 2, 3],
  ]);
  expect(
    (await collect(s3Connector.read!(config({ key: 'many/a.ndjson' }), ctx()))).flat(),
  ).toHaveLength(2);
});

it('fails on an unreadable line, or skips and logs it when told to', async () => {
  await raw.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'bad/one.ndjson',
      Body: '{"id":1}\n{"id": secret-data\n{"id":3}\n',
    }),
  );
  const error = await failure(() => collect(s3Connector.read!(config({ prefix: 'bad/' }), ctx())));
  expect(error.code).toBe('record_rejected');
  expect(error.message).toContain('line 2');
  expect(error.message).not.toContain('secret-data');
  const logs: LogLine[] = [];
  const batches = await collect(
    s3Connector.read!(config({ prefix: 'bad/', onInvalidRecord: 'skip' }), ctx({ logs })),
  );
  expect(batches.flat()).toEqual([{ id: 1 }, { id: 3 }]);
  expect(logs.filter((line) => line.level === 'warn').map((line) => line.fields?.['line'])).toEqual(
    [2],
  );
});

it('refuses an endpoint the egress guard denies before sending anything', async () => {
  const guard = new TestEgress(new Set());
  const error = await failure(() =>
    collect(s3Connector.read!(config({ prefix: 'many/' }), ctx({ egress: guard }))),
  );
  expect(error.code).toBe('egress_denied');
  expect(guard.calls).toEqual([{ host: HOST, port: Number(endpoint.port) }]);
});

it("connects to the guard's address, not to what DNS says", async () => {
  // 127.0.0.9 is loopback but nothing listens there; DNS would have said 127.0.0.1, which works.
  const guard = new TestEgress(new Set([HOST]), new Map([[HOST, '127.0.0.9']]));
  const error = await failure(() =>
    collect(s3Connector.read!(config({ prefix: 'many/' }), ctx({ egress: guard }))),
  );
  expect(error.code).toBe('remote_error');
  expect(error.retryable).toBe(true);
  expect(guard.calls.length).toBeGreaterThanOrEqual(2);
  expect(guard.calls.every((call) => call.host === HOST)).toBe(true);
});

it('checks every connection, not only the first look at the endpoint', async () => {
  // Allowed once, then refused: what a rebinding name would do between the check and the connect.
  let calls = 0;
  const flipping = {
    async resolve(host: string) {
      calls += 1;
      if (calls > 1) throw new ConnectorError('egress_denied', `host ${host} is not allowed`);
      return { address: '127.0.0.1', family: 4 as const };
    },
  };
  const error = await failure(() =>
    collect(s3Connector.read!(config({ prefix: 'many/' }), ctx({ egress: flipping }))),
  );
  expect(error.code).toBe('egress_denied');
  expect(calls).toBe(2);
});

it('maps wrong credentials to auth_failed and a missing bucket to not_found', async () => {
  const auth = await failure(() =>
    collect(
      s3Connector.read!(
        config({ prefix: 'many/' }),
        ctx({ secrets: { S3_KEY_ID: 'nobody', S3_SECRET: 'wrong-secret' } }),
      ),
    ),
  );
  expect(auth.code).toBe('auth_failed');
  expect(auth.message).not.toContain('wrong-secret');
  const missing = await failure(() =>
    collect(s3Connector.read!(config({ bucket: 'no-such-bucket', prefix: 'x/' }), ctx())),
  );
  expect(missing.code).toBe('not_found');
});

describe('with the SDK egress policy', () => {
  const resolver = async (host: string) =>
    host === HOST ? [{ address: '127.0.0.1', family: 4 as const }] : [];
  const read = (guard: ReturnType<typeof createEgressGuard>) =>
    collect(
      s3Connector.read!(
        config({ key: 'many/a.ndjson' }),
        ctx({ egress: guard, agentKind: guard.agentKind }),
      ),
    );

  it('keeps a cloud agent away from an internal S3 endpoint unless it is allow-listed', async () => {
    const denied = await failure(() => read(createEgressGuard({ agentKind: 'cloud', resolver })));
    expect(denied.code).toBe('egress_denied');
    const allowed = await read(
      createEgressGuard({ agentKind: 'cloud', allow: ['127.0.0.1/32'], resolver }),
    );
    expect(allowed.flat()).toHaveLength(2);
  });
});

it('rejects a record JSON cannot represent, naming it, and leaves no object behind', async () => {
  async function* batches() {
    yield [{ id: 1 }, { id: 2, amount: 10n }];
  }
  const error = await failure(() =>
    s3Connector.write!(config({ key: 'rejected/out.ndjson' }), batches(), ctx()),
  );
  expect(error.code).toBe('record_rejected');
  expect(error.message).toContain('record 2');
  const left = await collect(s3Connector.read!(config({ prefix: 'rejected/' }), ctx()));
  expect(left).toEqual([]);
});

it('streams an object larger than one part through a multipart upload', async () => {
  const padding = 'x'.repeat(180);
  async function* batches() {
    for (let start = 0; start < 100_000; start += 5000) {
      yield Array.from({ length: 5000 }, (_, i) => ({ id: start + i, padding }));
    }
  }
  const summary = await s3Connector.write!(config({ key: 'large/big.ndjson' }), batches(), ctx());
  expect(summary).toEqual({ written: 100_000, failed: 0 });
  const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'large/big.ndjson' }));
  expect(head.ContentLength).toBeGreaterThan(16 * 1024 * 1024); // over two 8 MiB parts
  let count = 0;
  let last = -1;
  for await (const batch of s3Connector.read!(
    config({ key: 'large/big.ndjson', batchSize: 5000 }),
    ctx(),
  )) {
    count += batch.length;
    last = batch.at(-1)!['id'] as number;
  }
  expect({ count, last }).toEqual({ count: 100_000, last: 99_999 });
});
