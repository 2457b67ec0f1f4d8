import { CliError } from '../errors.js';
import { followEventStream, type FollowOptions } from './event-stream.js';

type Connection = (signal: AbortSignal) => Response | Error;

/** A body that sends `text` and then stays open until the request is aborted, like a live stream. */
function openStream(text: string, signal: AbortSignal, end = false): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (text !== '') controller.enqueue(new TextEncoder().encode(text));
      if (end) return controller.close();
      signal.addEventListener('abort', () =>
        controller.error(new DOMException('aborted', 'AbortError')),
      );
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

function follow(connections: Connection[], overrides: Partial<FollowOptions> = {}) {
  const stop = new AbortController();
  const seen: Array<string | undefined> = [];
  const events: string[] = [];
  const sleeps: number[] = [];
  const reasons: string[] = [];
  const options: FollowOptions = {
    client: {
      async openStream(_path, _what, _query, lastEventId, signal) {
        seen.push(lastEventId);
        const next = connections.shift();
        if (next === undefined) {
          stop.abort();
          throw new CliError('interrupted', 'interrupted');
        }
        const answer = next(signal);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
    path: 'environments/e/activity/stream',
    query: {},
    what: 'following',
    signal: stop.signal,
    sleep: async (ms) => void sleeps.push(ms),
    onEvent: (event) => events.push(`${event.id}:${event.data}`),
    onReconnect: (reason) => reasons.push(reason),
    idleTimeoutMs: 40,
    ...overrides,
  };
  return { run: followEventStream(options), stop, seen, events, sleeps, reasons };
}

describe('followEventStream', () => {
  it('a silent connection is dropped after the idle time and resumed from the last id', async () => {
    const { run, seen, events, reasons } = follow([
      (signal) => openStream('id: c-1\ndata: one\n\n', signal),
      (signal) => openStream('data: two\n\n', signal, true),
    ]);
    await run;
    expect(events).toEqual(['c-1:one', 'c-1:two']);
    expect(seen).toEqual([undefined, 'c-1', 'c-1']);
    expect(reasons[0]).toBe('no data for 0.04 s');
  });

  it('heartbeat comments keep a quiet connection alive past the idle time', async () => {
    let beats: ReturnType<typeof setInterval> | undefined;
    const { run, stop, reasons, seen } = follow([
      (signal) => {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            beats = setInterval(() => controller.enqueue(new TextEncoder().encode(': hb\n')), 10);
            signal.addEventListener('abort', () => {
              clearInterval(beats);
              controller.error(new DOMException('aborted', 'AbortError'));
            });
          },
        });
        return new Response(body);
      },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    stop.abort();
    await run;
    clearInterval(beats);
    expect(reasons).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it("failing connections wait 1, 2, 4 … s up to 30 s; the server's retry: sets the base", async () => {
    const down = () => new CliError('failed', 'cannot reach the control plane: ECONNREFUSED');
    const { run, sleeps, reasons } = follow([down, down, down, down, down, down, down]);
    await run;
    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(reasons[0]).toBe('cannot reach the control plane: ECONNREFUSED');

    const retry = follow([
      (signal) => openStream('retry: 7000\ndata: x\n\n', signal, true),
      down,
      down,
    ]);
    await retry.run;
    expect(retry.sleeps).toEqual([7000, 7000, 14000]);
  });

  it('a refusal (auth, not found, validation) ends following with that error', async () => {
    const refused = new CliError('auth', 'needs View Logs');
    const { run, seen } = follow([() => refused]);
    await expect(run).rejects.toBe(refused);
    expect(seen).toHaveLength(1);
  });
});
