import { connect, type NatsConnection } from 'nats';
import { startNats, type RunningNats } from '@weft/testing';
import {
  buildSubject,
  createEnvelope,
  decodeEnvelope,
  encodeEnvelope,
  parseSubject,
  runConsumerConfig,
  runStreamConfig,
  RUN_STREAM,
} from '../src/index.js';

describe('a group run queue on a real JetStream server', () => {
  let nats: RunningNats;
  let nc: NatsConnection;
  const group = { orgId: 'org-1', environmentId: 'prod', agentGroupId: 'cloud-agents' };
  const other = { orgId: 'org-2', environmentId: 'prod', agentGroupId: 'cloud-agents' };

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('accepts the generated names and delivers each envelope to its own group only', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add(runStreamConfig());
    for (const address of [group, other])
      await jsm.consumers.add(RUN_STREAM, runConsumerConfig(address));
    const js = nc.jetstream();
    const envelope = createEnvelope({
      type: 'run.requested',
      ...group,
      payload: { operationId: 'op-1' },
    });
    const ack = await js.publish(buildSubject({ ...group, kind: 'run' }), encodeEnvelope(envelope));
    expect(ack.stream).toBe(RUN_STREAM);

    const mine = await js.consumers.get(RUN_STREAM, runConsumerConfig(group).durable_name);
    const message = await mine.next({ expires: 1000 });
    expect(message).not.toBeNull();
    expect(parseSubject(message!.subject)).toEqual({ ...group, kind: 'run' });
    expect(decodeEnvelope(message!.data)).toEqual(envelope);
    message!.ack();

    const theirs = await js.consumers.get(RUN_STREAM, runConsumerConfig(other).durable_name);
    expect(await theirs.next({ expires: 1000 })).toBeNull();
  });

  it('serves a group in each of its environments from its one consumer, and no other group', async () => {
    const js = nc.jetstream();
    const test = { ...group, environmentId: 'test' };
    for (const address of [group, test]) {
      const envelope = createEnvelope({ type: 'run.requested', ...address, payload: {} });
      await js.publish(buildSubject({ ...address, kind: 'run' }), encodeEnvelope(envelope));
    }
    const mine = await js.consumers.get(RUN_STREAM, runConsumerConfig(group).durable_name);
    const environments: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const message = await mine.next({ expires: 1000 });
      expect(message).not.toBeNull();
      environments.push(parseSubject(message!.subject).environmentId);
      message!.ack();
    }
    expect(environments.sort()).toEqual(['prod', 'test']);
    const theirs = await js.consumers.get(RUN_STREAM, runConsumerConfig(other).durable_name);
    expect(await theirs.next({ expires: 1000 })).toBeNull();
  });
});
