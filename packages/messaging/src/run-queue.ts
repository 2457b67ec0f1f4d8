import { createHash } from 'node:crypto';
import {
  AckPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type StreamConfig,
} from 'nats';
import { SUBJECT_ROOT, assertAddress, buildSubject, type AgentGroupAddress } from './subjects.js';

/**
 * Runs of every group live in ONE work-queue stream, `WEFT_RUNS`, over `weft.*.*.*.run`; each
 * agent group has its own durable pull consumer filtered to its run subject (filters of a
 * work queue may not overlap, and per-group subjects never do). One stream keeps NATS
 * permissions exact: the gateway may pull from `WEFT_RUNS` consumers, and nothing else.
 *
 * Consumer names cannot contain `.`, and joining the three ids with `_` would be ambiguous
 * (`a_b`+`c` vs `a`+`b_c`). A name is the group id for people reading `nats consumer ls`, plus
 * 96 bits of SHA-256 over the dotted address (unambiguous, since ids cannot contain `.`).
 * Even a collision could not mix tenants: the filter subject is the group's own.
 */
export const RUN_STREAM = 'WEFT_RUNS';

function addressDigest(group: AgentGroupAddress): string {
  assertAddress(group);
  return createHash('sha256')
    .update(`${group.orgId}.${group.environmentId}.${group.agentGroupId}`)
    .digest('hex')
    .slice(0, 24);
}

/** The durable pull consumer the group's agents (through the gateway) take runs from. */
export function runConsumerName(group: AgentGroupAddress): string {
  return `WEFT_AGENTS_${group.agentGroupId}_${addressDigest(group)}`;
}

/** The run queue's stream settings: work-queue retention, on disk, every group's run subject. */
export function runStreamConfig(): Partial<StreamConfig> & { name: string; subjects: string[] } {
  return {
    name: RUN_STREAM,
    subjects: [`${SUBJECT_ROOT}.*.*.*.run`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    description: 'Operation runs of every agent group; one durable consumer per group',
  };
}

/** The consumer settings of a group's run queue: durable, pull, every run acknowledged explicitly. */
export function runConsumerConfig(
  group: AgentGroupAddress,
): Partial<ConsumerConfig> & { durable_name: string; filter_subject: string } {
  return {
    durable_name: runConsumerName(group),
    ack_policy: AckPolicy.Explicit,
    filter_subject: buildSubject({ ...group, kind: 'run' }),
  };
}

/** What a NATS user must be allowed to publish to pull runs of the group (for permission lists). */
export function runPullSubject(group: AgentGroupAddress): string {
  return `$JS.API.CONSUMER.MSG.NEXT.${RUN_STREAM}.${runConsumerName(group)}`;
}

/** What a NATS user must be allowed to publish to acknowledge runs of the group. */
export function runAckWildcard(group: AgentGroupAddress): string {
  return `$JS.ACK.${RUN_STREAM}.${runConsumerName(group)}.>`;
}
