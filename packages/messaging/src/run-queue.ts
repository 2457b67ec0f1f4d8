import { createHash } from 'node:crypto';
import {
  AckPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type StreamConfig,
} from 'nats';
import { assertAddress, buildSubject, type AgentGroupAddress } from './subjects.js';

/**
 * Stream and consumer names cannot contain `.`, so the subject cannot double as a name, and
 * joining the three ids with `_` would be ambiguous (`a_b`+`c` vs `a`+`b_c`). A name is the
 * group id for people reading `nats stream ls`, plus 96 bits of SHA-256 over the dotted
 * address (unambiguous, since ids cannot contain `.`) for uniqueness. Even a collision
 * could not mix tenants: the stream's only subject is the group's own run subject.
 */
function addressDigest(group: AgentGroupAddress): string {
  assertAddress(group);
  return createHash('sha256')
    .update(`${group.orgId}.${group.environmentId}.${group.agentGroupId}`)
    .digest('hex')
    .slice(0, 24);
}

/** The JetStream stream holding one agent group's run work queue: `WEFT_RUN_<group>_<digest>`. */
export function runStreamName(group: AgentGroupAddress): string {
  return `WEFT_RUN_${group.agentGroupId}_${addressDigest(group)}`;
}

/** The durable pull consumer the group's agents (through the gateway) take runs from. */
export function runConsumerName(group: AgentGroupAddress): string {
  return `WEFT_AGENTS_${group.agentGroupId}_${addressDigest(group)}`;
}

/** The stream settings of a group's run queue: work-queue retention, on disk, one subject. */
export function runStreamConfig(
  group: AgentGroupAddress,
): Partial<StreamConfig> & { name: string; subjects: string[] } {
  return {
    name: runStreamName(group),
    subjects: [buildSubject({ ...group, kind: 'run' })],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    description: `Run queue of organization ${group.orgId}, environment ${group.environmentId}, agent group ${group.agentGroupId}`,
  };
}

/** The consumer settings of a group's run queue: durable, pull, every run acknowledged explicitly. */
export function runConsumerConfig(
  group: AgentGroupAddress,
): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: runConsumerName(group),
    ack_policy: AckPolicy.Explicit,
    filter_subject: buildSubject({ ...group, kind: 'run' }),
  };
}

/** What a NATS user must be allowed to publish to pull runs of the group (for permission lists). */
export function runPullSubject(group: AgentGroupAddress): string {
  return `$JS.API.CONSUMER.MSG.NEXT.${runStreamName(group)}.${runConsumerName(group)}`;
}

/** What a NATS user must be allowed to publish to acknowledge runs of the group. */
export function runAckWildcard(group: AgentGroupAddress): string {
  return `$JS.ACK.${runStreamName(group)}.${runConsumerName(group)}.>`;
}
