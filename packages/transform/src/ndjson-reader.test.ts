import { Readable } from 'node:stream';
import { TransformError } from './errors.js';
import { readNdjson, type RecordResult } from './ndjson-reader.js';

const utf8 = new TextEncoder();

async function* chunks<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function collect(
  source: AsyncIterable<Uint8Array | string>,
  maxLineBytes?: number,
): Promise<RecordResult[]> {
  const results: RecordResult[] = [];
  for await (const result of readNdjson(
    source,
    maxLineBytes === undefined ? undefined : { maxLineBytes },
  ))
    results.push(result);
  return results;
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('readNdjson', () => {
  it('parses one record per line, numbered from 1', async () => {
    expect(await collect(chunks(['{"a":1}\n[2]\n"three"\nnull\n']))).toEqual([
      { ok: true, line: 1, record: { a: 1 } },
      { ok: true, line: 2, record: [2] },
      { ok: true, line: 3, record: 'three' },
      { ok: true, line: 4, record: null },
    ]);
  });

  it('skips blank and whitespace-only lines but counts them, handles CRLF and a last line without newline', async () => {
    expect(await collect(chunks(['\n{"a":1}\r\n\r\n  \t \n{"b":2}\r\n{"c":3}']))).toEqual([
      { ok: true, line: 2, record: { a: 1 } },
      { ok: true, line: 5, record: { b: 2 } },
      { ok: true, line: 6, record: { c: 3 } },
    ]);
  });

  it('reports a bad line and carries on, without quoting its data', async () => {
    const results = await collect(chunks(['{"ok":1}\n{"password":"hunter2",}\n{"ok":2}\n']));
    expect(results).toEqual([
      { ok: true, line: 1, record: { ok: 1 } },
      { ok: false, line: 2, reason: 'line 2: invalid JSON: unexpected "}" at column 23' },
      { ok: true, line: 3, record: { ok: 2 } },
    ]);
    expect(JSON.stringify(results)).not.toContain('hunter2');
  });

  it('reports invalid UTF-8 rather than replacing it', async () => {
    const bad = new Uint8Array([0x22, 0xc3, 0x28, 0x22, 0x0a]); // "\xC3(" : a truncated sequence
    expect(await collect(chunks([bad, utf8.encode('1\n')]))).toEqual([
      { ok: false, line: 1, reason: 'line 1: invalid UTF-8' },
      { ok: true, line: 2, record: 1 },
    ]);
  });

  it('strips a byte order mark at the start of the stream only', async () => {
    expect(await collect(chunks(['\uFEFF{"a":1}\n\uFEFF{"b":2}\n']))).toEqual([
      { ok: true, line: 1, record: { a: 1 } },
      {
        ok: false,
        line: 2,
        reason: 'line 2: invalid JSON: unexpected character U+FEFF at column 1',
      },
    ]);
  });

  describe('maxLineBytes', () => {
    it('counts UTF-8 bytes without the line ending', async () => {
      // 'é' is two bytes: '"éé"' is 6 bytes, '"ééé"' is 8.
      expect(await collect(chunks(['"éé"\n"éé"\r\n"ééé"\n"ééé"']), 6)).toEqual([
        { ok: true, line: 1, record: 'éé' },
        { ok: true, line: 2, record: 'éé' },
        { ok: false, line: 3, reason: 'line 3: exceeds 6 bytes' },
        { ok: false, line: 4, reason: 'line 4: exceeds 6 bytes' },
      ]);
    });

    it('skips an over-long line as it streams and reads on after it', async () => {
      async function* longLine(): AsyncGenerator<string> {
        yield '{"first":true}\n"';
        for (let i = 0; i < 1000; i += 1) yield 'x'.repeat(1024);
        yield '"\n{"after":true}\n';
      }
      expect(await collect(longLine(), 4096)).toEqual([
        { ok: true, line: 1, record: { first: true } },
        { ok: false, line: 2, reason: 'line 2: exceeds 4096 bytes' },
        { ok: true, line: 3, record: { after: true } },
      ]);
    });

    it('defaults to 1 MiB', async () => {
      const atLimit = `"${'a'.repeat(1024 * 1024 - 2)}"`;
      const results = await collect(chunks([`${atLimit}\n${atLimit}a\n`]));
      expect(results.map((result) => (result.ok ? 'ok' : result.reason))).toEqual([
        'ok',
        'line 2: exceeds 1048576 bytes',
      ]);
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10'])(
      'rejects %p before reading',
      (value) => {
        let pulled = false;
        async function* source(): AsyncGenerator<string> {
          pulled = true;
          yield '1\n';
        }
        const error = caught(() => readNdjson(source(), { maxLineBytes: value as number }));
        expect(TransformError.is(error)).toBe(true);
        expect(error).toMatchObject({ code: 'invalid_option' });
        expect(pulled).toBe(false);
      },
    );
  });

  it('reads Node streams of Buffers and strings', async () => {
    const buffers = Readable.from([Buffer.from('{"a":'), Buffer.from('1}\n{"b":2}\n')]);
    expect(await collect(buffers)).toHaveLength(2);
    const text = Readable.from(['[1]\n', '[2]']);
    expect(await collect(text)).toEqual([
      { ok: true, line: 1, record: [1] },
      { ok: true, line: 2, record: [2] },
    ]);
  });

  it('pulls lazily from an endless source and releases it when the reader stops', async () => {
    let released = false;
    async function* endless(): AsyncGenerator<string> {
      try {
        for (let i = 0; ; i += 1) yield `{"n":${i}}\n`;
      } finally {
        released = true;
      }
    }
    const seen: unknown[] = [];
    for await (const result of readNdjson(endless())) {
      seen.push(result.ok ? result.record : result.reason);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    expect(released).toBe(true);
  });

  it('lets errors of the source itself propagate', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield '1\n';
      throw new Error('disk on fire');
    }
    await expect(collect(failing())).rejects.toThrow('disk on fire');
  });

  it('rejects a source that is not async iterable, and chunks that are not text or bytes', async () => {
    for (const source of [null, '1\n', ['1\n'], {}]) {
      expect(caught(() => readNdjson(source as unknown as AsyncIterable<string>))).toMatchObject({
        code: 'invalid_source',
      });
    }
    const error = await collect(chunks([1 as unknown as string])).catch((e: unknown) => e);
    expect(TransformError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'invalid_source' });
  });

  it('does not let a producer that reuses its buffer corrupt an unfinished line', async () => {
    const buffer = new Uint8Array(8);
    async function* reusing(): AsyncGenerator<Uint8Array> {
      for (const piece of ['{"ab":', '"cd"}\n', '{"x":1}\n']) {
        buffer.fill(0x20);
        buffer.set(utf8.encode(piece));
        yield buffer.subarray(0, utf8.encode(piece).length);
      }
    }
    expect(await collect(reusing())).toEqual([
      { ok: true, line: 1, record: { ab: 'cd' } },
      { ok: true, line: 2, record: { x: 1 } },
    ]);
  });
});

describe('readNdjson nesting limit', () => {
  async function read(text: string, options?: { maxDepth?: number }) {
    const results = [];
    for await (const result of readNdjson(
      (async function* () {
        yield text;
      })(),
      options,
    ))
      results.push(result);
    return results;
  }

  it('fails a line nested deeper than the limit and reads on', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const results = await read(`{"id":1}\n${deep}\n{"id":3,"s":"[[[[\\"["}\n`);
    expect(results).toEqual([
      { ok: true, line: 1, record: { id: 1 } },
      { ok: false, line: 2, reason: 'line 2: nested deeper than 256 levels' },
      { ok: true, line: 3, record: { id: 3, s: '[[[["[' } },
    ]);
  });

  it('counts only brackets outside strings, and takes its limit as an option', async () => {
    const three = '{"a":[{"b":"]]]]{{{{"}]}';
    expect((await read(three, { maxDepth: 3 }))[0]).toMatchObject({ ok: true });
    expect((await read(three, { maxDepth: 2 }))[0]).toMatchObject({
      ok: false,
      reason: 'line 1: nested deeper than 2 levels',
    });
    expect(() => readNdjson((async function* () {})(), { maxDepth: 0 })).toThrow(/maxDepth/);
  });
});
