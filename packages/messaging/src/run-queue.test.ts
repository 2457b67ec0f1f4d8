import {
  runAckWildcard,
  runConsumerConfig,
  runConsumerName,
  runPullSubject,
  runStreamConfig,
  runStreamName,
} from './run-queue.js';

const group = { orgId: 'org-1', environmentId: 'prod', agentGroupId: 'cloud-agents' };
const VALID_NATS_NAME = /^[A-Za-z0-9_-]{1,255}$/;

describe('run queue names', () => {
  it('are valid NATS stream and consumer names, readable by group', () => {
    expect(runStreamName(group)).toMatch(VALID_NATS_NAME);
    expect(runConsumerName(group)).toMatch(VALID_NATS_NAME);
    expect(runStreamName(group)).toMatch(/^WEFT_RUN_cloud-agents_[0-9a-f]{24}$/);
    expect(runConsumerName(group)).toMatch(/^WEFT_AGENTS_cloud-agents_[0-9a-f]{24}$/);
  });

  it('are stable for a group and distinct across groups that a plain join would confuse', () => {
    expect(runStreamName({ ...group })).toBe(runStreamName(group));
    const left = { orgId: 'a_b', environmentId: 'c', agentGroupId: 'g' };
    const right = { orgId: 'a', environmentId: 'b_c', agentGroupId: 'g' };
    expect(runStreamName(left)).not.toBe(runStreamName(right));
    expect(runStreamName({ ...group, orgId: 'org-2' })).not.toBe(runStreamName(group));
  });

  it('validate the ids first', () => {
    expect(() => runStreamName({ ...group, environmentId: 'prod.*' })).toThrow(
      expect.objectContaining({ code: 'INVALID_SUBJECT_TOKEN', field: 'environmentId' }),
    );
  });

  it('configure a work queue bound to the group run subject only', () => {
    expect(runStreamConfig(group)).toMatchObject({
      name: runStreamName(group),
      subjects: ['weft.org-1.prod.cloud-agents.run'],
      retention: 'workqueue',
      storage: 'file',
    });
    expect(runConsumerConfig(group)).toMatchObject({
      durable_name: runConsumerName(group),
      ack_policy: 'explicit',
      filter_subject: 'weft.org-1.prod.cloud-agents.run',
    });
  });

  it('name the JetStream API subjects a least-privileged user needs', () => {
    expect(runPullSubject(group)).toBe(
      `$JS.API.CONSUMER.MSG.NEXT.${runStreamName(group)}.${runConsumerName(group)}`,
    );
    expect(runAckWildcard(group)).toBe(
      `$JS.ACK.${runStreamName(group)}.${runConsumerName(group)}.>`,
    );
  });
});
