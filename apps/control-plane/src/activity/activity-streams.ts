import type { Logger } from '@weft/log-schema';
import type { OrgId } from '../database/tenant.js';
import { ActivityError } from './activity-error.js';
import type { ActivityFilters, ActivityPosition } from './activity-filters.js';
import type { ActivityQuery } from './activity-query.js';

/** Where a stream's events go: a server-sent events response. */
export interface StreamTarget {
  /** Sends the response head; called once, when the stream is ready. */
  begin(): void;
  /** Writes raw event-stream text. */
  write(chunk: string): void;
  end(): void;
  /** Bytes written but not yet sent (a client that does not read lets this grow). */
  readonly buffered: number;
}

export interface StreamRequest {
  /** Who opens it (organization, kind and id of the principal): the per-identity cap counts these. */
  identity: string;
  orgId: OrgId;
  environmentId: string;
  filters: ActivityFilters;
  /** Resume after this change (Last-Event-ID); absent: only changes from now on. */
  after?: ActivityPosition;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export interface ActivityStreamOptions {
  pollMs: number;
  heartbeatMs: number;
  maxPerIdentity: number;
  /** A client this far behind is dropped; it resumes with Last-Event-ID when it reconnects. */
  maxBufferedBytes: number;
  /** Changes read per poll; a full batch is followed by another read at once. */
  batch: number;
  /**
   * A stream ends after this long and the client reconnects (Last-Event-ID resumes it), so a
   * revoked key, an ended session or a removed role stops receiving at the latest then.
   */
  maxLifetimeMs: number;
}

const DEFAULTS: ActivityStreamOptions = {
  pollMs: 1000,
  heartbeatMs: 15_000,
  maxPerIdentity: 5,
  maxBufferedBytes: 1024 * 1024,
  batch: 200,
  maxLifetimeMs: 10 * 60_000,
};
/** What a client waits before reconnecting, told in the stream's first lines. */
const RECONNECT_MS = 2000;

/**
 * The open activity streams of this replica. Each polls its environment's activity log for
 * settled changes (ActivityQuery.changes) every `pollMs` and sends each as one `activity` event
 * whose id resumes the stream just after it; a comment every `heartbeatMs` keeps proxies from
 * timing the connection out. An identity may hold `maxPerIdentity` streams at once. Streams end
 * when the client goes away, and all of them on `closeAll` (application shutdown).
 */
export class ActivityStreams {
  readonly #open = new Map<string, Set<ActivityStream>>();
  readonly #options: ActivityStreamOptions;
  #closed = false;

  constructor(
    private readonly query: Pick<ActivityQuery, 'changes' | 'streamStart'>,
    private readonly logger: Logger,
    options: Partial<ActivityStreamOptions> = {},
  ) {
    this.#options = { ...DEFAULTS, ...options };
  }

  /** Streams open now, across identities. */
  get size(): number {
    let size = 0;
    for (const streams of this.#open.values()) size += streams.size;
    return size;
  }

  /** Starts a stream into `target`; refuses one beyond the identity's cap. */
  async open(request: StreamRequest, target: StreamTarget): Promise<void> {
    const mine = this.#open.get(request.identity) ?? new Set<ActivityStream>();
    if (mine.size >= this.#options.maxPerIdentity) {
      throw new ActivityError(
        'ACTIVITY_STREAMS_EXCEEDED',
        `at most ${this.#options.maxPerIdentity} activity streams may be open at once per user or API key`,
      );
    }
    // The slot is taken before the first await, so concurrent opens cannot overshoot the cap.
    const stream = new ActivityStream(request, target, this.query, this.logger, this.#options);
    mine.add(stream);
    this.#open.set(request.identity, mine);
    stream.onClose = () => {
      mine.delete(stream);
      if (mine.size === 0 && this.#open.get(request.identity) === mine)
        this.#open.delete(request.identity);
    };
    try {
      const from = request.after ?? (await this.query.streamStart(request.orgId));
      if (this.#closed || request.signal.aborted) return void stream.close();
      stream.start(from);
    } catch (error) {
      stream.onClose();
      throw error;
    }
  }

  /** Ends every stream and refuses new ones (the application is shutting down). */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const streams = [...this.#open.values()].flatMap((set) => [...set]);
    await Promise.all(streams.map((stream) => stream.close()));
  }
}

class ActivityStream {
  onClose: () => void = () => {};
  #position: ActivityPosition | undefined;
  #poll: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #lifetime: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #closed = false;
  #failures = 0;

  constructor(
    private readonly request: StreamRequest,
    private readonly target: StreamTarget,
    private readonly query: Pick<ActivityQuery, 'changes'>,
    private readonly logger: Logger,
    private readonly options: ActivityStreamOptions,
  ) {
    request.signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  start(from: ActivityPosition): void {
    this.#position = from;
    this.target.begin();
    this.target.write(
      `retry: ${RECONNECT_MS}\n: activity of environment ${this.request.environmentId}\n\n`,
    );
    this.#heartbeat = setInterval(
      () => this.target.write(': heartbeat\n\n'),
      this.options.heartbeatMs,
    );
    this.#heartbeat.unref();
    this.#lifetime = setTimeout(() => void this.close(), this.options.maxLifetimeMs);
    this.#lifetime.unref();
    this.#schedule(0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#poll);
    clearInterval(this.#heartbeat);
    clearTimeout(this.#lifetime);
    this.onClose();
    await this.#polling;
    this.target.end();
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#poll = setTimeout(() => {
      this.#polling = this.#once().finally(() => {
        this.#polling = undefined;
      });
    }, delayMs);
    this.#poll.unref();
  }

  async #once(): Promise<void> {
    const { orgId, environmentId, filters } = this.request;
    let full = false;
    try {
      const changes = await this.query.changes(
        orgId,
        environmentId,
        filters,
        this.#position!,
        this.options.batch,
      );
      this.#failures = 0;
      for (const change of changes) {
        if (this.#closed) return;
        this.target.write(
          `id: ${change.eventId}\nevent: activity\ndata: ${JSON.stringify(change.record)}\n\n`,
        );
        this.#position = change.position;
      }
      full = changes.length === this.options.batch;
      if (this.target.buffered > this.options.maxBufferedBytes) {
        this.logger.info('dropped an activity stream whose client does not keep up', {
          environmentId,
        });
        void this.close();
        return;
      }
    } catch (error) {
      this.#failures += 1;
      this.logger.warn('reading activity changes failed; the stream retries', {
        environmentId,
        failures: this.#failures,
        err: error,
      });
      // The client reconnects (Last-Event-ID) and may reach a healthier replica.
      if (this.#failures >= 5) return void this.close();
    }
    this.#schedule(full ? 0 : this.options.pollMs);
  }
}
