import type { Logger } from '@weft/log-schema';
import {
  EVENT_CONSUMER,
  EVENT_STREAM,
  decodeEnvelope,
  parseSubject,
  type Envelope,
  type SubjectParts,
} from '@weft/messaging';
import type { JsMsg, NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { isUuid } from '../database/ids.js';
import { changeRows } from '../database/sql.js';
import { asOrgId, inTenant, type OrgId, type TenantTransaction } from '../database/tenant.js';
import type { ActivityLog, DetailLine } from '../activity/activity-log.js';

/** What agents report, relayed by the gateway (docs/agent-protocol.md). */
export type RunEventType =
  'run.started' | 'run.progress' | 'run.finished' | 'run.released' | 'run.gave-up' | 'run.log';

/** A run reached its outcome; told inside the transaction that recorded it. */
export interface RunFinished {
  orgId: OrgId;
  runId: string;
  status: 'succeeded' | 'failed' | 'cancelled';
}

/**
 * Called inside the transaction that records a run's outcome (chained operations are submitted
 * there, so they are queued exactly once); a throw rolls the outcome back and the event is
 * delivered again.
 */
export type RunFinishedHook = (tx: TenantTransaction, finished: RunFinished) => Promise<unknown>;

/** What applying an event writes besides `runs`. */
export interface RunEventEffects {
  activity: Pick<ActivityLog, 'recordChange' | 'recordDetails'>;
  onRunFinished?: RunFinishedHook | undefined;
}

interface RunEventPayload {
  runId: string;
  agentId?: string;
  attempt?: number;
  status?: 'succeeded' | 'failed' | 'cancelled';
  records?: { read?: number; written?: number; failed?: number };
  error?: { code?: string; message?: string };
  cause?: string;
  /** `run.log`: operation log and step messages (docs/agent-protocol.md). */
  messages?: DetailLine[];
}

/** Lines of one `run.log` event the control plane takes (the gateway allows 50 per call). */
const MAX_LOG_LINES_PER_EVENT = 50;

const BATCH = 500;

/**
 * Applies agents' run events to the runs table: the durable consumer `WEFT_CONTROL_PLANE` on
 * `WEFT_EVENTS`, acknowledged only after the transaction that applied them committed (a control
 * plane that dies mid-batch gets the batch again, and every change here is idempotent). The
 * subject — set by the gateway from the agent's identity — decides the organization,
 * environment and group a change may touch; the payload cannot widen it.
 */
export class RunEvents {
  #stopped = false;
  #loop: Promise<void> | undefined;
  #messages: { stop(): void } | undefined;
  readonly #buffer: JsMsg[] = [];
  #flushing: Promise<void> | undefined;
  /** Set by whoever starts chained operations (the projects module). */
  onRunFinished: RunFinishedHook | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly nats: NatsConnection,
    private readonly logger: Logger,
    private readonly activity: RunEventEffects['activity'],
  ) {}

  start(): void {
    this.#stopped = false;
    this.#loop = this.#consume();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#messages?.stop();
    await this.#loop;
    await this.#flushing;
  }

  async #consume(): Promise<void> {
    const js = this.nats.jetstream();
    while (!this.#stopped) {
      try {
        const consumer = await js.consumers.get(EVENT_STREAM, EVENT_CONSUMER);
        const messages = await consumer.consume({ max_messages: BATCH });
        this.#messages = messages;
        // Each event is applied as soon as it arrives; what arrives meanwhile is applied together.
        for await (const message of messages) {
          this.#buffer.push(message);
          this.#flushing ??= this.#flush();
        }
        await this.#flushing;
      } catch (error) {
        if (this.#stopped) return;
        this.logger.error('reading agent events failed; retrying', {
          error: error instanceof Error ? error.message : String(error),
        });
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async #flush(): Promise<void> {
    try {
      while (this.#buffer.length > 0) await this.apply(this.#buffer.splice(0, BATCH));
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Applies a batch (one transaction per organization, in arrival order) and acknowledges it. */
  async apply(batch: JsMsg[]): Promise<void> {
    const byOrg = new Map<
      string,
      Array<{ message: JsMsg; parts: SubjectParts; envelope: Envelope }>
    >();
    for (const message of batch) {
      let parts: SubjectParts;
      let envelope: Envelope;
      try {
        parts = parseSubject(message.subject);
        envelope = decodeEnvelope(message.data);
        if (!isUuid(parts.orgId)) throw new Error('organization id is not a UUID');
      } catch (error) {
        this.logger.warn('dropped a malformed agent event', {
          subject: message.subject.slice(0, 200),
          error: error instanceof Error ? error.message : String(error),
        });
        message.term();
        continue;
      }
      const list = byOrg.get(parts.orgId) ?? [];
      list.push({ message, parts, envelope });
      byOrg.set(parts.orgId, list);
    }
    for (const [orgId, events] of byOrg) {
      try {
        await inTenant(this.db, asOrgId(orgId), async (tx) => {
          const effects = { activity: this.activity, onRunFinished: this.onRunFinished };
          for (const { parts, envelope } of events)
            await applyRunEvent(tx, parts, envelope, effects);
        });
        for (const { message } of events) message.ack();
      } catch (error) {
        this.logger.error('applying agent events failed; they will be delivered again', {
          events: events.length,
          error: error instanceof Error ? error.message : String(error),
        });
        for (const { message } of events) message.nak(1000);
      }
    }
  }
}

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
const text = (value: unknown, max: number): string | null =>
  typeof value === 'string' ? value.slice(0, max) : null;

/** One event's change, scoped by the subject's organization, environment and group. */
export async function applyRunEvent(
  tx: TenantTransaction,
  where: SubjectParts,
  envelope: Envelope,
  effects: RunEventEffects,
): Promise<void> {
  const { activity } = effects;
  const payload = envelope.payload as RunEventPayload;
  if (typeof payload !== 'object' || payload === null || !isUuid(payload.runId)) return;
  if (!isUuid(where.environmentId) || !isUuid(where.agentGroupId)) return;
  const agentId = isUuid(payload.agentId) ? payload.agentId : null;
  const attempt = count(payload.attempt);
  const scope = [tx.orgId, where.environmentId, where.agentGroupId, payload.runId];
  // When the gateway relayed it (the agent's report), not when this replica got round to it;
  // never in the future of this clock.
  const at = new Date(Math.min(Date.parse(envelope.time), Date.now())).toISOString();
  const inScope = `org_id = $1 AND environment_id = $2 AND group_id = $3 AND id = $4`;
  switch (envelope.type as RunEventType) {
    case 'run.started': {
      const [current] = (await tx.query(
        `SELECT agent_id, status FROM runs WHERE ${inScope} FOR UPDATE`,
        scope,
      )) as Array<{ agent_id: string | null; status: string }>;
      if (current === undefined || (current.status !== 'pending' && current.status !== 'running')) {
        return;
      }
      await changeRows(
        tx,
        `UPDATE runs SET status = 'running', agent_id = $5, attempts = GREATEST(attempts, $6),
                started_at = COALESCE(started_at, $7::timestamptz)
         WHERE ${inScope}`,
        [...scope, agentId, attempt, at],
      );
      await activity.recordChange(tx, payload.runId);
      if (attempt > 1) {
        const previous = current.agent_id;
        await event(
          tx,
          payload.runId,
          'handed_over',
          agentId,
          attempt,
          previous && previous !== agentId
            ? `from agent ${previous} to agent ${agentId}`
            : `to agent ${agentId} (delivery ${attempt})`,
        );
      }
      return;
    }
    case 'run.progress': {
      const records = payload.records ?? {};
      const { count: changed } = await changeRows(
        tx,
        `UPDATE runs SET records_read = $5, records_written = $6, records_failed = $7
         WHERE ${inScope} AND status = 'running' AND agent_id = $8`,
        [...scope, count(records.read), count(records.written), count(records.failed), agentId],
      );
      if (changed > 0) await activity.recordChange(tx, payload.runId);
      return;
    }
    case 'run.finished': {
      const status = payload.status;
      if (status !== 'succeeded' && status !== 'failed' && status !== 'cancelled') return;
      const records = payload.records ?? {};
      // The message goes to the activity log only, encrypted; runs.message is no longer written.
      const { count: changed } = await changeRows(
        tx,
        `UPDATE runs SET status = $5, completed_at = $12::timestamptz, agent_id = COALESCE($6, agent_id),
                started_at = COALESCE(started_at, $12::timestamptz), attempts = GREATEST(attempts, $7),
                records_read = $8, records_written = $9, records_failed = $10, error_code = $11
         WHERE ${inScope} AND status IN ('pending', 'running')`,
        [
          ...scope,
          status,
          agentId,
          attempt,
          count(records.read),
          count(records.written),
          count(records.failed),
          status === 'succeeded' ? null : (text(payload.error?.code, 100) ?? status),
          at,
        ],
      );
      if (changed > 0) {
        await activity.recordChange(tx, payload.runId, {
          message: text(payload.error?.message, 2000),
        });
        await effects.onRunFinished?.(tx, { orgId: tx.orgId, runId: payload.runId, status });
      } else {
        await event(
          tx,
          payload.runId,
          'outcome_ignored',
          agentId,
          attempt,
          `a later outcome (${status}) after the run had ended`,
        );
      }
      return;
    }
    case 'run.released':
      await event(
        tx,
        payload.runId,
        'released',
        agentId,
        attempt,
        'the agent stopped and handed the run back',
      );
      return;
    case 'run.gave-up': {
      const cause = text(payload.cause, 500) ?? 'the run used up its attempts';
      const { count: changed } = await changeRows(
        tx,
        `UPDATE runs SET status = 'failed', completed_at = now(), error_code = 'attempts_exhausted',
                attempts = GREATEST(attempts, $5)
         WHERE ${inScope} AND status IN ('pending', 'running')`,
        [...scope, attempt],
      );
      if (changed > 0) {
        await event(tx, payload.runId, 'gave_up', null, attempt, cause);
        await activity.recordChange(tx, payload.runId, { message: cause });
        await effects.onRunFinished?.(tx, {
          orgId: tx.orgId,
          runId: payload.runId,
          status: 'failed',
        });
      }
      return;
    }
    case 'run.log': {
      const lines = Array.isArray(payload.messages) ? payload.messages : [];
      // Only a run of the subject's environment and group takes lines.
      const [run] = (await tx.query(`SELECT 1 FROM runs WHERE ${inScope}`, scope)) as unknown[];
      if (run === undefined) return;
      await activity.recordDetails(
        tx,
        payload.runId,
        envelope.id,
        new Date(at),
        lines
          .slice(0, MAX_LOG_LINES_PER_EVENT)
          .filter((line): line is DetailLine => typeof line === 'object' && line !== null),
      );
      return;
    }
    default:
      return;
  }
}

async function event(
  tx: TenantTransaction,
  runId: string,
  kind: string,
  agentId: string | null,
  attempt: number,
  detail: string,
): Promise<void> {
  // Only for runs of this organization: the insert's foreign key includes org_id.
  await tx.query(
    `INSERT INTO run_events (org_id, run_id, kind, agent_id, attempt, detail)
     SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM runs WHERE org_id = $1 AND id = $2)`,
    [tx.orgId, runId, kind, agentId, attempt || null, detail.slice(0, 500)],
  );
}
