import { createHash } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type StreamConfig,
} from 'nats';
import { SUBJECT_ROOT, assertSubjectToken, subjectWildcard } from './subjects.js';

/**
 * Runs of every group live in ONE work-queue stream, `WEFT_RUNS`, over `weft.*.*.*.run`; each
 * agent group has its own durable pull consumer filtered to its runs in every environment,
 * `weft.<org>.*.<group>.run` (filters of a work queue may not overlap, and two groups' filters
 * never do: each names its org and group). One consumer per group, not per environment, so an
 * agent of a group bound to several environments pulls from one place. The gateway still checks
 * each run's environment against the group's current bindings before handing it out.
 *
 * Consumer names cannot contain `.`, and joining ids with `_` would be ambiguous (`a_b`+`c` vs
 * `a`+`b_c`). A name is the group id for people reading `nats consumer ls`, plus 96 bits of
 * SHA-256 over the dotted address (unambiguous, since ids cannot contain `.`). Even a collision
 * could not mix tenants: the filter subject is the group's own.
 */
export const RUN_STREAM = 'WEFT_RUNS';

/** The agent group a run queue belongs to: its organization and its id (environments vary). */
export interface RunQueueAddress {
  orgId: string;
  agentGroupId: string;
  /**
   * A cloud group the installation runs for every organization: its consumer takes the group's
   * runs of any organization (`weft.*.*.<group>.run`); `orgId` is the group's owner.
   */
  shared?: boolean;
}

/** How long JetStream keeps message ids to drop a second publish of the same run. */
export const RUN_DUPLICATE_WINDOW_MS = 10 * 60 * 1000;

function addressDigest(group: RunQueueAddress): string {
  assertSubjectToken(group.orgId, 'orgId');
  assertSubjectToken(group.agentGroupId, 'agentGroupId');
  return createHash('sha256')
    .update(`${group.orgId}.${group.agentGroupId}`)
    .digest('hex')
    .slice(0, 24);
}

/** The durable pull consumer the group's agents (through the gateway) take runs from. */
export function runConsumerName(group: RunQueueAddress): string {
  return `WEFT_AGENTS_${group.agentGroupId}_${addressDigest(group)}`;
}

/** The run queue's stream settings: work-queue retention, on disk, every group's run subject. */
export function runStreamConfig(): Partial<StreamConfig> & { name: string; subjects: string[] } {
  return {
    name: RUN_STREAM,
    subjects: [`${SUBJECT_ROOT}.*.*.*.run`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: RUN_DUPLICATE_WINDOW_MS * 1_000_000,
    description: 'Operation runs of every agent group; one durable consumer per group',
  };
}

export interface RunConsumerOptions {
  /** How long a delivered run may go without an acknowledgement or "in progress" before JetStream hands it to another agent. Default 30 s. */
  ackWaitMs?: number;
  /** Most runs handed out and not yet acknowledged at once, for the whole group. Default 10,000. */
  maxAckPending?: number;
}

export const DEFAULT_RUN_ACK_WAIT_MS = 30_000;

/**
 * The consumer settings of a group's run queue: durable, pull, every run acknowledged
 * explicitly, redelivered without limit (the gateway counts deliveries and fails a run that
 * used up its attempts, so the failure is recorded rather than the run silently parked).
 */
export function runConsumerConfig(
  group: RunQueueAddress,
  options: RunConsumerOptions = {},
): Partial<ConsumerConfig> & { durable_name: string; filter_subject: string } {
  return {
    durable_name: runConsumerName(group),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: (options.ackWaitMs ?? DEFAULT_RUN_ACK_WAIT_MS) * 1_000_000,
    max_deliver: -1,
    max_ack_pending: options.maxAckPending ?? 10_000,
    filter_subject: subjectWildcard({
      ...(group.shared === true ? {} : { orgId: group.orgId }),
      agentGroupId: group.agentGroupId,
      kind: 'run',
    }),
  };
}

/** What a NATS user must be allowed to publish to pull runs of the group (for permission lists). */
export function runPullSubject(group: RunQueueAddress): string {
  return `$JS.API.CONSUMER.MSG.NEXT.${RUN_STREAM}.${runConsumerName(group)}`;
}

/** What a NATS user must be allowed to publish to acknowledge runs of the group. */
export function runAckWildcard(group: RunQueueAddress): string {
  return `$JS.ACK.${RUN_STREAM}.${runConsumerName(group)}.>`;
}

/**
 * Status, progress and outcome events from agents (relayed by the gateway) live in
 * `WEFT_EVENTS`, over `weft.*.*.*.events`, kept a week (limits retention) so a control plane
 * that was down catches up; the control plane reads them through one durable consumer.
 */
export const EVENT_STREAM = 'WEFT_EVENTS';
export const EVENT_CONSUMER = 'WEFT_CONTROL_PLANE';

export function eventStreamConfig(): Partial<StreamConfig> & { name: string; subjects: string[] } {
  return {
    name: EVENT_STREAM,
    subjects: [`${SUBJECT_ROOT}.*.*.*.events`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 7 * 24 * 60 * 60 * 1_000_000_000,
    duplicate_window: RUN_DUPLICATE_WINDOW_MS * 1_000_000,
    description: 'Run and agent events relayed by the gateway, for the control plane',
  };
}

export function eventConsumerConfig(): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: EVENT_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 30_000 * 1_000_000,
    max_ack_pending: 1000,
    filter_subject: `${SUBJECT_ROOT}.*.*.*.events`,
  };
}
