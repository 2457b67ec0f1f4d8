import {
  runAckWildcard,
  runConsumerConfig,
  runConsumerName,
  runPullSubject,
  runStreamConfig,
  RUN_STREAM,
  type RunQueueAddress,
} from './run-queue.js';

const group = { orgId: 'org-1', environmentId: 'prod', agentGroupId: 'cloud-agents' };
const VALID_NATS_NAME = /^[A-Za-z0-9_-]{1,255}$/;

describe('run queue names', () => {
  it('are valid NATS stream and consumer names, readable by group', () => {
    expect(RUN_STREAM).toMatch(VALID_NATS_NAME);
    expect(runConsumerName(group)).toMatch(VALID_NATS_NAME);
    expect(runConsumerName(group)).toMatch(/^WEFT_AGENTS_cloud-agents_[0-9a-f]{24}$/);
  });

  it('are stable for a group and distinct across groups that a plain join would confuse', () => {
    expect(runConsumerName({ ...group })).toBe(runConsumerName(group));
    const left = { orgId: 'a_b', agentGroupId: 'c' };
    const right = { orgId: 'a', agentGroupId: 'b_c' };
    expect(runConsumerName(left)).not.toBe(runConsumerName(right));
    expect(runConsumerName({ ...group, orgId: 'org-2' })).not.toBe(runConsumerName(group));
  });

  it('validate the ids first', () => {
    expect(() => runConsumerName({ ...group, agentGroupId: 'g.*' })).toThrow(
      expect.objectContaining({ code: 'INVALID_SUBJECT_TOKEN', field: 'agentGroupId' }),
    );
    expect(() => runConsumerName({ ...group, orgId: 'o >' })).toThrow(
      expect.objectContaining({ code: 'INVALID_SUBJECT_TOKEN', field: 'orgId' }),
    );
  });

  it('do not depend on the environment: one consumer serves the group in every environment', () => {
    const inTest: RunQueueAddress = { orgId: group.orgId, agentGroupId: group.agentGroupId };
    expect(runConsumerName(inTest)).toBe(runConsumerName(group));
  });

  it('configure one work queue over every run subject, and a consumer bound to the group', () => {
    expect(runConsumerConfig(group, { ackWaitMs: 3000 })).toMatchObject({
      ack_wait: 3_000_000_000,
      max_deliver: -1,
    });
    expect(runStreamConfig()).toMatchObject({
      name: 'WEFT_RUNS',
      subjects: ['weft.*.*.*.run'],
      retention: 'workqueue',
      storage: 'file',
    });
    expect(runConsumerConfig(group)).toMatchObject({
      durable_name: runConsumerName(group),
      ack_policy: 'explicit',
      filter_subject: 'weft.org-1.*.cloud-agents.run',
    });
  });

  it('give a cloud group one consumer over its runs of every organization', () => {
    expect(runConsumerConfig({ ...group, shared: true })).toMatchObject({
      durable_name: runConsumerName(group),
      filter_subject: 'weft.*.*.cloud-agents.run',
    });
  });

  it('name the JetStream API subjects a least-privileged user needs', () => {
    expect(runPullSubject(group)).toBe(
      `$JS.API.CONSUMER.MSG.NEXT.WEFT_RUNS.${runConsumerName(group)}`,
    );
    expect(runAckWildcard(group)).toBe(`$JS.ACK.WEFT_RUNS.${runConsumerName(group)}.>`);
  });
});
