// The plaintext inside a backup's encrypted stream (before gzip): a sequence of frames,
// [u8 type][u32 BE payload length][payload]. See README.md for what each frame carries.
import { BackupError } from './errors.js';

export const FrameType = {
  /** JSON `{ "table": name }`: the data frames that follow belong to this table. */
  TableStart: 1,
  /** Raw `COPY … TO STDOUT` output of the current table, split at arbitrary byte boundaries. */
  Data: 2,
  /** JSON `{ "rows": n }`: the current table's row count as COPY reported it. */
  TableEnd: 3,
  /** JSON `[{ "name", "lastValue", "isCalled" }]`: sequence positions. */
  Sequences: 4,
  /** JSON `{ "tables": n, "rows": n }`: the last frame; a stream without it is truncated. */
  End: 5,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const FRAME_HEADER_BYTES = 5;
/** Data frames are written at most this large, so a reader never buffers more. */
export const MAX_DATA_FRAME_BYTES = 1024 * 1024;
/** A reader refuses bigger frames outright: they can only come from corruption. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface Frame {
  readonly type: FrameType;
  readonly payload: Buffer;
}

/** The frame header followed by the payload (two buffers: the payload is not copied). */
export function encodeFrame(type: FrameType, payload: Buffer): Buffer[] {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(payload.length, 1);
  return [header, payload];
}

export function jsonFrame(type: FrameType, value: unknown): Buffer[] {
  return encodeFrame(type, Buffer.from(JSON.stringify(value), 'utf8'));
}

/** COPY output as data frames, split so that none exceeds MAX_DATA_FRAME_BYTES. */
export function* dataFrames(chunk: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < chunk.length; offset += MAX_DATA_FRAME_BYTES) {
    yield* encodeFrame(FrameType.Data, chunk.subarray(offset, offset + MAX_DATA_FRAME_BYTES));
  }
}

/** Reads exact byte counts from a chunked source, holding only what a read needs. */
export class ByteReader {
  // A queue as array + head index: shift() on a long array is linear, and a large frame can
  // arrive in many small chunks.
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private exhausted = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** Exactly `n` bytes; `undefined` only at a clean end (nothing buffered); throws on a partial read. */
  async read(n: number, what: string): Promise<Buffer | undefined> {
    while (this.buffered < n && !this.exhausted) {
      const next = await this.source.next();
      if (next.done === true) this.exhausted = true;
      else if (next.value.length > 0) {
        this.chunks.push(next.value);
        this.buffered += next.value.length;
      }
    }
    if (this.buffered === 0 && n > 0 && this.exhausted) return undefined;
    if (this.buffered < n) {
      throw new BackupError('BACKUP_CORRUPT', `the backup is truncated inside ${what}`);
    }
    return this.take(n);
  }

  /** What is buffered, then the rest of the source: hands the remainder to the next stage. */
  async *rest(): AsyncGenerator<Buffer> {
    if (this.buffered > 0) yield this.take(this.buffered);
    for (;;) {
      const next = await this.source.next();
      if (next.done === true) return;
      yield next.value;
    }
  }

  private take(n: number): Buffer {
    const first = this.chunks[this.head] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      this.consume(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[this.head] as Buffer;
        const used = Math.min(chunk.length, n - filled);
        chunk.copy(out, filled, 0, used);
        filled += used;
        this.consume(used);
      }
    }
    this.buffered -= n;
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** Drops `used` bytes from the front chunk (never more than it holds). */
  private consume(used: number): void {
    const chunk = this.chunks[this.head] as Buffer;
    if (used === chunk.length) {
      this.chunks[this.head] = EMPTY;
      this.head += 1;
    } else {
      this.chunks[this.head] = chunk.subarray(used);
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** Frames from decrypted, decompressed plaintext; ends cleanly only on a frame boundary. */
export async function* readFrames(plaintext: AsyncIterable<Buffer>): AsyncGenerator<Frame> {
  const reader = new ByteReader(plaintext[Symbol.asyncIterator]());
  for (;;) {
    const header = await reader.read(FRAME_HEADER_BYTES, 'a frame header');
    if (header === undefined) return;
    const type = header.readUInt8(0);
    const length = header.readUInt32BE(1);
    if (!isFrameType(type)) {
      throw new BackupError('BACKUP_CORRUPT', `the backup has an unknown frame type ${type}`);
    }
    if (length > MAX_FRAME_BYTES) {
      throw new BackupError(
        'BACKUP_CORRUPT',
        `the backup has an oversized frame (${length} bytes)`,
      );
    }
    const payload = length === 0 ? Buffer.alloc(0) : await reader.read(length, 'a frame');
    if (payload === undefined) {
      throw new BackupError('BACKUP_CORRUPT', 'the backup is truncated inside a frame');
    }
    yield { type, payload };
  }
}

/** Parses a JSON frame payload; malformed JSON is corruption. */
export function parseJsonPayload(frame: Frame, what: string): unknown {
  try {
    return JSON.parse(frame.payload.toString('utf8'));
  } catch {
    throw new BackupError('BACKUP_CORRUPT', `the backup's ${what} frame is not valid JSON`);
  }
}

function isFrameType(value: number): value is FrameType {
  return value >= FrameType.TableStart && value <= FrameType.End;
}
