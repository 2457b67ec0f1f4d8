import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RecordSink } from './run.js';

/** A format writer: records in, text or bytes out (writeNdjson and the other format writers). */
export type FormatWriter = (records: AsyncIterable<unknown>) => AsyncIterable<string | Uint8Array>;

/**
 * A RecordSink that serializes with `write` into a Node writable stream (a file, a socket),
 * honouring its backpressure. The destination is ended when the records are all written.
 */
export function streamSink(write: FormatWriter, destination: Writable): RecordSink {
  return async (records) => {
    await pipeline(Readable.from(write(records), { objectMode: false }), destination);
  };
}
