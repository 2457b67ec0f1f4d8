import { readJsonArray } from './index.js';
import { chunksOf, collect, failure, records } from '../text/streams.spec.js';

const MiB = 1024 * 1024;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('readJsonArray on bad input', () => {
  it('names the byte offset of invalid UTF-8', async () => {
    const error = await failure(
      collect(readJsonArray(chunksOf([bytes('["ab'), Uint8Array.of(0xff), bytes('"]')]))),
    );
    expect([error.code, error.message]).toEqual([
      'invalid_encoding',
      'invalid UTF-8 sequence at byte 4',
    ]);
  });

  it('refuses a raw NUL or line break inside a string, naming the position', async () => {
    const nul = await failure(collect(readJsonArray(chunksOf(['[1,\n "a\u0000b"]']))));
    expect([nul.code, nul.message]).toEqual([
      'malformed_input',
      'line 2, column 4: control character in string',
    ]);
    const newline = await failure(collect(readJsonArray(chunksOf(['["a\nb"]']))));
    expect(newline.message).toBe('line 1, column 4: control character in string');
  });

  it('reads odd unicode as data: escapes, astral characters, U+2028, lone surrogate escapes', async () => {
    const text = '["\\ud83d\\ude00", "😀", "\u2028\u2029", "\\ud800", "\u202e", "e\u0301"]';
    expect(await collect(readJsonArray(chunksOf([bytes(text)])))).toHaveLength(6);
    expect(records(await collect(readJsonArray(chunksOf([text]))))[3]).toBe('\ud800');
  });

  it('throws for input truncated anywhere, never hanging', async () => {
    const text = '{"rows": [{"a": [1, 2]}, "x\\"y", 3]}';
    for (let cut = 0; cut < text.length; cut++) {
      const error = await failure(
        collect(readJsonArray(chunksOf([text.slice(0, cut)]), { path: 'rows' })),
      );
      expect(error.code).toBe('malformed_input');
      expect(error.message).toMatch(
        /^line 1, column \d+: (unexpected end of input|the input is empty)$/,
      );
    }
  });

  it('fails a 64 MB element without holding it, the heap staying far below its size', async () => {
    const piece = bytes('z'.repeat(64 * 1024));
    const start = process.memoryUsage().heapUsed;
    let most = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes('[1, "');
      for (let i = 0; i < 1024; i++) {
        if (i % 50 === 0) most = Math.max(most, process.memoryUsage().heapUsed - start);
        yield piece;
      }
      yield bytes('", 2]');
    }
    expect(records(await collect(readJsonArray(source())))).toEqual([
      1,
      { failed: 1, reason: 'line 1, column 5: element 2 exceeds 1048576 bytes' },
      2,
    ]);
    expect(most).toBeLessThan(48 * MiB);
  });
});
