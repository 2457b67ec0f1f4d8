import { AckPolicy, connect, StringCodec, type NatsConnection } from 'nats';
import { startNats, testNatsUrl, type RunningNats } from '@weft/testing';

const codec = StringCodec();

async function publishAndConsume(
  nc: NatsConnection,
  stream: string,
  subject: string,
  text: string,
): Promise<string[]> {
  const js = nc.jetstream();
  await js.publish(subject, codec.encode(text));
  const consumer = await js.consumers.get(stream, 'probe');
  const seen: string[] = [];
  const batch = await consumer.fetch({ max_messages: 10, expires: 1000 });
  for await (const message of batch) {
    seen.push(codec.decode(message.data));
    message.ack();
  }
  return seen;
}

async function createWorkQueue(nc: NatsConnection, stream: string, subject: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [subject] });
  await jsm.consumers.add(stream, { durable_name: 'probe', ack_policy: AckPolicy.Explicit });
}

describe('the run-wide nats-server', () => {
  it('runs JetStream: a stream takes a message and a durable pull consumer delivers it', async () => {
    const nc = await connect({ servers: testNatsUrl() });
    try {
      await createWorkQueue(nc, 'PROBE', 'probe.work');
      expect(await publishAndConsume(nc, 'PROBE', 'probe.work', 'hello')).toEqual(['hello']);
    } finally {
      await nc.close();
    }
  });
});

describe('startNats', () => {
  let nats: RunningNats;

  beforeAll(async () => {
    nats = await startNats();
  });

  afterAll(async () => {
    await nats?.stop();
  });

  it('listens on loopback at a random port', () => {
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    expect(nats.port).toBeGreaterThan(0);
  });

  it('restart() comes back on the same port with the same JetStream store', async () => {
    const before = nats.pid;
    let nc = await connect({ servers: nats.url });
    await createWorkQueue(nc, 'DURABLE', 'durable.work');
    await nc.jetstream().publish('durable.work', codec.encode('kept'));
    await nc.close();

    await nats.restart();

    expect(nats.pid).toBeDefined();
    expect(nats.pid).not.toBe(before);
    nc = await connect({ servers: nats.url });
    try {
      const batch = await (
        await nc.jetstream().consumers.get('DURABLE', 'probe')
      ).fetch({ max_messages: 1, expires: 1000 });
      const seen: string[] = [];
      for await (const message of batch) {
        seen.push(codec.decode(message.data));
        message.ack();
      }
      expect(seen).toEqual(['kept']);
    } finally {
      await nc.close();
    }
  });

  it('kill() is abrupt and leaves the port free; restart() brings the server back', async () => {
    const pid = nats.pid as number;
    await nats.kill();
    expect(nats.pid).toBeUndefined();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(connect({ servers: nats.url, timeout: 500 })).rejects.toThrow();

    await nats.restart();
    const nc = await connect({ servers: nats.url });
    await nc.close();
  });

  it('stop() is final: restart() afterwards is refused', async () => {
    const throwaway = await startNats();
    await throwaway.stop();
    await expect(throwaway.restart()).rejects.toMatchObject({ code: 'SERVICE_STOPPED' });
  });
});
