/** One server-sent event (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface ServerSentEvent {
  /** `message` when the server named none. */
  event: string;
  data: string;
  /** The last event id seen on the stream so far (what a reconnect sends as Last-Event-ID). */
  id: string | undefined;
}

/**
 * Incremental parser of a `text/event-stream`: feed it decoded text as it arrives, in chunks of
 * any size (a line, even a CR LF pair, may be split across chunks), and it calls `onEvent` for
 * each complete event. Comment lines (heartbeats) count as activity through `onComment`.
 */
export class EventStreamParser {
  #buffer = '';
  #started = false;
  #skipLineFeed = false;
  #event = '';
  #data: string[] = [];
  #hasData = false;
  #lastEventId: string | undefined;
  #retry: number | undefined;

  /** `lastEventId`: the id from an earlier connection of the same stream, which ids carry on from. */
  constructor(
    private readonly onEvent: (event: ServerSentEvent) => void,
    private readonly onComment: (text: string) => void = () => {},
    lastEventId?: string,
  ) {
    this.#lastEventId = lastEventId;
  }

  /** The reconnection time the server asked for with `retry:`, if any. */
  get retry(): number | undefined {
    return this.#retry;
  }

  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  push(chunk: string): void {
    let text = chunk;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.startsWith('\ufeff')) text = text.slice(1);
    }
    if (this.#skipLineFeed && text.startsWith('\n')) text = text.slice(1);
    this.#skipLineFeed = false;
    this.#buffer += text;
    let start = 0;
    for (let index = 0; index < this.#buffer.length; index++) {
      const character = this.#buffer[index];
      if (character !== '\n' && character !== '\r') continue;
      this.#line(this.#buffer.slice(start, index));
      if (character === '\r') {
        if (index + 1 === this.#buffer.length) this.#skipLineFeed = true;
        else if (this.#buffer[index + 1] === '\n') index++;
      }
      start = index + 1;
    }
    this.#buffer = this.#buffer.slice(start);
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return this.onComment(line.slice(1).trimStart());
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        this.#hasData = true;
        break;
      case 'id':
        // An id with NUL is ignored, as the standard says.
        if (!value.includes('\u0000')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      default:
      // Unknown fields are ignored.
    }
  }

  #dispatch(): void {
    const event = this.#event;
    const data = this.#data.join('\n');
    const hasData = this.#hasData;
    this.#event = '';
    this.#data = [];
    this.#hasData = false;
    if (!hasData) return;
    this.onEvent({ event: event === '' ? 'message' : event, data, id: this.#lastEventId });
  }
}
