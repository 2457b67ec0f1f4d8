import { BackupError } from './errors.js';
import {
  FrameType,
  MAX_DATA_FRAME_BYTES,
  dataFrames,
  jsonFrame,
  readFrames,
  type Frame,
} from './frames.js';

/** Re-chunks `bytes` at the given sizes, as a network or zlib would. */
async function* chunked(bytes: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i += 1) {
    const size = sizes[i % sizes.length] as number;
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

async function collect(source: AsyncIterable<Buffer>): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of readFrames(source)) frames.push(frame);
  return frames;
}

async function failure(source: AsyncIterable<Buffer>): Promise<BackupError> {
  try {
    await collect(source);
  } catch (error) {
    if (BackupError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a BackupError');
}

describe('backup frames', () => {
  const big = Buffer.alloc(MAX_DATA_FRAME_BYTES * 2 + 10, 7);
  const encoded = Buffer.concat([
    ...jsonFrame(FrameType.TableStart, { table: 'users' }),
    ...dataFrames(Buffer.from('row data')),
    ...dataFrames(big),
    ...jsonFrame(FrameType.TableEnd, { rows: 2 }),
    ...jsonFrame(FrameType.End, { tables: 1, rows: 2 }),
  ]);

  it('read back the same frames however the bytes are chunked', async () => {
    for (const sizes of [[encoded.length], [1], [3, 7, 4096], [65_536]]) {
      const frames = await collect(chunked(encoded, sizes));
      expect(frames.map((f) => f.type)).toEqual([
        FrameType.TableStart,
        FrameType.Data,
        FrameType.Data,
        FrameType.Data,
        FrameType.Data,
        FrameType.TableEnd,
        FrameType.End,
      ]);
      const data = Buffer.concat(
        frames.filter((f) => f.type === FrameType.Data).map((f) => f.payload),
      );
      expect(data.equals(Buffer.concat([Buffer.from('row data'), big]))).toBe(true);
      expect(JSON.parse(frames[0]?.payload.toString() ?? '')).toEqual({ table: 'users' });
    }
  });

  it('split large COPY chunks so no data frame exceeds the limit', () => {
    const frames = [...dataFrames(big)];
    const payloads = frames.filter((_, i) => i % 2 === 1);
    expect(payloads.map((p) => p.length)).toEqual([MAX_DATA_FRAME_BYTES, MAX_DATA_FRAME_BYTES, 10]);
  });

  it('refuse truncation, unknown types and oversized frames as corruption', async () => {
    const truncatedHeader = await failure(chunked(encoded.subarray(0, encoded.length - 2), [100]));
    expect(truncatedHeader.code).toBe('BACKUP_CORRUPT');
    const cut = encoded.indexOf(Buffer.from('row data')) + 3;
    const truncatedPayload = await failure(chunked(encoded.subarray(0, cut), [5]));
    expect(truncatedPayload.message).toContain('truncated inside a frame');

    const unknown = Buffer.from([9, 0, 0, 0, 0]);
    expect((await failure(chunked(unknown, [5]))).message).toContain('unknown frame type 9');
    const oversized = Buffer.from([FrameType.Data, 0xff, 0xff, 0xff, 0xff]);
    expect((await failure(chunked(oversized, [5]))).message).toContain('oversized frame');
  });

  it('end cleanly only on a frame boundary, including an empty stream', async () => {
    expect(await collect(chunked(Buffer.alloc(0), [1]))).toEqual([]);
  });
});
