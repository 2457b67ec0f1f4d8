import { EventStreamParser, type ServerSentEvent } from './sse.js';

function parse(chunks: readonly string[]): {
  events: ServerSentEvent[];
  comments: string[];
  parser: EventStreamParser;
} {
  const events: ServerSentEvent[] = [];
  const comments: string[] = [];
  const parser = new EventStreamParser(
    (e) => events.push(e),
    (c) => comments.push(c),
  );
  for (const chunk of chunks) parser.push(chunk);
  return { events, comments, parser };
}

const STREAM = [
  '\ufeff: heartbeat\r\n',
  'retry: 2500\r\n',
  'event: activity\r\nid: c-1\r\ndata: {"a":1}\r\n\r\n',
  'data: first line\ndata:second line\ndata\n\n',
  'event: activity\rid: c-2\rdata: {"b":2}\r\r',
  'id: c-3\n: only an id, no event\n\n',
  'event: activity\nid: bad\u0000id\ndata: after\n\n',
  'unknown: field\ndata: x\n\n',
].join('');

const EXPECTED: ServerSentEvent[] = [
  { event: 'activity', data: '{"a":1}', id: 'c-1' },
  { event: 'message', data: 'first line\nsecond line\n', id: 'c-1' },
  { event: 'activity', data: '{"b":2}', id: 'c-2' },
  { event: 'activity', data: 'after', id: 'c-3' },
  { event: 'message', data: 'x', id: 'c-3' },
];

describe('EventStreamParser', () => {
  it('reads events, multi-line data, CR / LF / CRLF line ends, ids, retry and comments', () => {
    const { events, comments, parser } = parse([STREAM]);
    expect(events).toEqual(EXPECTED);
    expect(comments).toEqual(['heartbeat', 'only an id, no event']);
    expect(parser.retry).toBe(2500);
    expect(parser.lastEventId).toBe('c-3');
  });

  it('gives the same events however the stream is cut into chunks (CR LF split included)', () => {
    for (let size = 1; size <= 7; size++) {
      const chunks: string[] = [];
      for (let at = 0; at < STREAM.length; at += size) chunks.push(STREAM.slice(at, at + size));
      expect(parse(chunks).events).toEqual(EXPECTED);
    }
    // Every two-way cut, which puts a cut between each CR and its LF once.
    for (let cut = 0; cut <= STREAM.length; cut++) {
      expect(parse([STREAM.slice(0, cut), STREAM.slice(cut)]).events).toEqual(EXPECTED);
    }
  });

  it('an event without data is not dispatched; an unfinished event waits for its blank line', () => {
    const { events } = parse(['event: activity\n\n', 'data: pending']);
    expect(events).toEqual([]);
    const { events: empty } = parse(['data:\n\n']);
    expect(empty).toEqual([{ event: 'message', data: '', id: undefined }]);
  });

  it('ignores a non-numeric retry; strips a BOM only at the very start', () => {
    const { parser, events } = parse(['retry: soon\n', 'data: \ufeffx\n\n']);
    expect(parser.retry).toBeUndefined();
    expect(events[0]!.data).toBe('\ufeffx');
  });
});
