import { CliError } from '../errors.js';
import type { ApiClient, Query } from './api-client.js';
import { EventStreamParser, type ServerSentEvent } from './sse.js';

export interface FollowOptions {
  client: Pick<ApiClient, 'openStream'>;
  path: string;
  query: Query;
  /** Names the request in error lines (`following the activity of dev`). */
  what: string;
  /** Ends the stream (Ctrl-C); following returns normally then. */
  signal: AbortSignal;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  onEvent(event: ServerSentEvent): void;
  /** Told about each lost connection before the wait and the reconnect. */
  onReconnect?(reason: string, delayMs: number): void;
  /** Silence after which the connection counts as dead (the server sends a heartbeat every 15 s). */
  idleTimeoutMs?: number;
}

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
/** Refusals a reconnect cannot cure: the key, the permission, the environment, the filters. */
const FINAL: ReadonlySet<string> = new Set(['auth', 'not_found', 'validation', 'usage']);

/**
 * Follows a server-sent events stream until `signal` aborts, reconnecting after a dropped or
 * silent connection with `Last-Event-ID`, so no event is lost or repeated across reconnects
 * (as far as the server keeps its ids). The wait before reconnecting is 1 s (or the server's
 * `retry:`), doubling up to 30 s while connections keep delivering nothing.
 */
export async function followEventStream(options: FollowOptions): Promise<void> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  let lastEventId: string | undefined;
  let base = FIRST_DELAY_MS;
  let fruitless = 0;
  while (!options.signal.aborted) {
    const connection = new AbortController();
    const signal = AbortSignal.any([options.signal, connection.signal]);
    let idle: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => connection.abort(), idleTimeoutMs);
    };
    let delivered = false;
    const parser = new EventStreamParser(
      (event) => {
        delivered = true;
        options.onEvent(event);
      },
      watch,
      lastEventId,
    );
    let reason = 'the stream ended';
    try {
      watch();
      const response = await options.client.openStream(
        options.path,
        options.what,
        options.query,
        lastEventId,
        signal,
      );
      const decoder = new TextDecoder();
      for await (const chunk of response.body ?? []) {
        watch();
        parser.push(decoder.decode(chunk as Uint8Array, { stream: true }));
      }
    } catch (error) {
      if (options.signal.aborted) return;
      if (CliError.is(error) && FINAL.has(error.code)) throw error;
      reason = connection.signal.aborted
        ? `no data for ${idleTimeoutMs / 1000} s`
        : CliError.is(error)
          ? error.message
          : (error as Error).message;
    } finally {
      clearTimeout(idle);
    }
    if (options.signal.aborted) return;
    // An id seen without a complete event still moves the resume point.
    lastEventId = parser.lastEventId;
    base = parser.retry ?? base;
    fruitless = delivered ? 0 : fruitless + 1;
    const delay =
      fruitless === 0 ? base : Math.min(base * 2 ** (fruitless - 1), Math.max(base, MAX_DELAY_MS));
    options.onReconnect?.(reason, delay);
    await options.sleep(delay, options.signal);
  }
}
