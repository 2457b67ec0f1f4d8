import { type FixedWidthLayout, readFixedWidth } from './index.js';
import { chunksOf, collect, failure, records } from '../text/streams.spec.js';

const MiB = 1024 * 1024;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const layout: FixedWidthLayout = {
  fields: [
    { name: 'code', length: 3 },
    { name: 'qty', length: 4, type: 'integer' },
  ],
};

describe('readFixedWidth on bad input', () => {
  it('names the byte offset of invalid UTF-8', async () => {
    const error = await failure(
      collect(readFixedWidth(chunksOf([bytes('abc  12\nab'), Uint8Array.of(0xe2, 0x28)]), layout)),
    );
    expect([error.code, error.message]).toEqual([
      'invalid_encoding',
      'invalid UTF-8 sequence at byte 10',
    ]);
  });

  it('reads NUL bytes and odd unicode as data, and truncated lines as short ones', async () => {
    const text = '\u0000\u202e\u2028   1\ne\u0301x  77\nab';
    expect(records(await collect(readFixedWidth(chunksOf([bytes(text)]), layout)))).toEqual([
      { code: '\u0000\u202e\u2028', qty: 1 },
      { code: 'e\u0301x', qty: 77 },
      { code: 'ab', qty: null },
    ]);
  });

  it('fails a 64 MB line without holding it, the heap staying far below its size', async () => {
    const piece = bytes('w'.repeat(64 * 1024));
    const start = process.memoryUsage().heapUsed;
    let most = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes('abc   1\n');
      for (let i = 0; i < 1024; i++) {
        if (i % 50 === 0) most = Math.max(most, process.memoryUsage().heapUsed - start);
        yield piece;
      }
      yield bytes('\ndef   2\n');
    }
    expect(records(await collect(readFixedWidth(source(), layout)))).toEqual([
      { code: 'abc', qty: 1 },
      { failed: 2, reason: 'line 2: exceeds 1048576 bytes' },
      { code: 'def', qty: 2 },
    ]);
    expect(most).toBeLessThan(48 * MiB);
  });
});
