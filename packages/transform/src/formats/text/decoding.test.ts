import { TransformError } from '../../errors.js';
import { decodeText, encodeText, type TextEncodingName } from './decoding.js';

async function* chunksOf<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function collect(iterable: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const part of iterable) text += part;
  return text;
}

async function collectBytes(iterable: AsyncIterable<Uint8Array>): Promise<number[]> {
  const bytes: number[] = [];
  for await (const part of iterable) bytes.push(...part);
  return bytes;
}

/** Every way of cutting `bytes` into two or three chunks. */
function* splits(bytes: Uint8Array): Generator<Uint8Array[]> {
  yield [bytes];
  for (let i = 0; i <= bytes.length; i++) {
    for (let j = i; j <= bytes.length; j++) {
      yield [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
    }
  }
}

async function failure(promise: Promise<unknown>): Promise<TransformError> {
  try {
    await promise;
  } catch (error) {
    if (TransformError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a TransformError');
}

const SAMPLE = 'a€b😀c\u00e9\n';
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const utf16 = (text: string, little: boolean): Uint8Array => {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes[2 * i + (little ? 0 : 1)] = c & 0xff;
    bytes[2 * i + (little ? 1 : 0)] = c >> 8;
  }
  return bytes;
};

describe('decodeText', () => {
  it('decodes UTF-8 with and without a BOM at every split offset', async () => {
    for (const input of [utf8(SAMPLE), utf8(`\ufeff${SAMPLE}`)]) {
      for (const parts of splits(input)) {
        expect(await collect(decodeText(chunksOf(parts)))).toBe(SAMPLE);
      }
    }
  });

  it('selects UTF-16 LE and BE from the BOM at every split offset', async () => {
    for (const little of [true, false]) {
      const input = utf16(`\ufeff${SAMPLE}`, little);
      for (const parts of splits(input)) {
        expect(await collect(decodeText(chunksOf(parts)))).toBe(SAMPLE);
      }
    }
  });

  it('drops the BOM of a declared encoding but not a second one, and decodes UTF-16 without one', async () => {
    expect(await collect(decodeText(chunksOf([utf8(`\ufeffx`)]), { encoding: 'utf-8' }))).toBe('x');
    expect(await collect(decodeText(chunksOf([utf8(`\ufeff\ufeffx`)])))).toBe('\ufeffx');
    const latin = await collect(decodeText(chunksOf([utf8('\ufeffx')]), { encoding: 'latin1' }));
    expect(latin).toBe('\u00ef\u00bb\u00bfx');
    expect(
      await collect(decodeText(chunksOf([utf16(SAMPLE, false)]), { encoding: 'utf-16be' })),
    ).toBe(SAMPLE);
  });

  it('decodes latin1 only when declared, every byte as its own code point', async () => {
    const bytes = Uint8Array.from([0x41, 0x80, 0x9f, 0xe9, 0xff]);
    expect(await collect(decodeText(chunksOf([bytes]), { encoding: 'latin1' }))).toBe(
      'A\u0080\u009f\u00e9\u00ff',
    );
    const error = await failure(collect(decodeText(chunksOf([bytes]))));
    expect(error.code).toBe('invalid_encoding');
    expect(error.message).toBe('invalid UTF-8 sequence at byte 1');
  });

  it('names the byte offset of invalid UTF-8 wherever the chunks are cut', async () => {
    const cases: [number[], string][] = [
      [[0x61, 0x62, 0xc3, 0x28], 'invalid UTF-8 sequence at byte 2'],
      [[0x61, 0xe2, 0x82, 0x61], 'invalid UTF-8 sequence at byte 1'],
      [[0x61, 0x61, 0x61, 0xed, 0xa0, 0x80], 'invalid UTF-8 sequence at byte 3'], // encoded surrogate
      [[0xc0, 0xaf], 'invalid UTF-8 sequence at byte 0'], // overlong
      [[0x61, 0x80], 'invalid UTF-8 sequence at byte 1'],
      [[0x61, 0x62, 0xf0, 0x9f, 0x98], 'truncated UTF-8 sequence at byte 2'],
      [[0xef, 0xbb, 0xbf, 0x61, 0xff], 'invalid UTF-8 sequence at byte 4'],
    ];
    for (const [bytes, message] of cases) {
      for (const parts of splits(Uint8Array.from(bytes))) {
        const error = await failure(collect(decodeText(chunksOf(parts))));
        expect([error.code, error.message]).toEqual(['invalid_encoding', message]);
      }
    }
  });

  it('names the byte offset of a lone UTF-16 surrogate wherever the chunks are cut', async () => {
    const cases: [number[], string][] = [
      [[0xff, 0xfe, 0x61, 0x00, 0x00, 0xdc, 0x62, 0x00], 'invalid UTF-16 surrogate at byte 4'],
      [[0xff, 0xfe, 0x61, 0x00, 0x00, 0xd8, 0x62, 0x00], 'invalid UTF-16 surrogate at byte 4'],
      [[0xff, 0xfe, 0x61, 0x00, 0x00, 0xd8], 'truncated UTF-16 surrogate at byte 4'],
      [[0xfe, 0xff, 0x00, 0x61, 0x00], 'truncated UTF-16 sequence at byte 4'],
    ];
    for (const [bytes, message] of cases) {
      for (const parts of splits(Uint8Array.from(bytes))) {
        const error = await failure(collect(decodeText(chunksOf(parts))));
        expect([error.code, error.message]).toEqual(['invalid_encoding', message]);
      }
    }
  });

  it('passes string chunks through, rejoining a surrogate pair split between chunks', async () => {
    const text = '\ufeffa😀b';
    for (let i = 0; i <= text.length; i++) {
      const parts = [text.slice(0, i), text.slice(i)];
      expect(await collect(decodeText(chunksOf(parts)))).toBe('a😀b');
    }
    const error = await failure(collect(decodeText(chunksOf(['ab\udc00c']))));
    expect(error.message).toBe('lone UTF-16 surrogate at character 2');
    const atEnd = await failure(collect(decodeText(chunksOf(['ab', 'c\ud800']))));
    expect(atEnd.message).toBe('lone UTF-16 surrogate at character 3');
  });

  it('checks its options and source before reading', () => {
    expect(() => decodeText(chunksOf([]), { encoding: 'ebcdic' as TextEncodingName })).toThrow(
      /encoding must be one of/,
    );
    expect(() => decodeText('text' as unknown as AsyncIterable<string>)).toThrow(TransformError);
  });

  it('yields nothing for an empty stream or a lone BOM', async () => {
    expect(await collect(decodeText(chunksOf([])))).toBe('');
    expect(await collect(decodeText(chunksOf([Uint8Array.from([0xef, 0xbb, 0xbf])])))).toBe('');
  });
});

describe('encodeText', () => {
  it('round-trips every encoding through decodeText, with and without a BOM', async () => {
    for (const encoding of ['utf-8', 'utf-16le', 'utf-16be'] as const) {
      for (const bom of [false, true]) {
        const bytes = await collectBytes(
          encodeText(chunksOf(['a😀'.slice(0, 2), '😀'.slice(1), SAMPLE]), encoding, { bom }),
        );
        const decoded = await collect(
          decodeText(chunksOf([Uint8Array.from(bytes)]), { encoding: bom ? 'auto' : encoding }),
        );
        expect(decoded).toBe(`a😀${SAMPLE}`);
      }
    }
    const latin = await collectBytes(encodeText(chunksOf(['é\u00ff']), 'latin1'));
    expect(latin).toEqual([0xe9, 0xff]);
  });

  it('refuses characters latin1 cannot hold and lone surrogates, naming the character', async () => {
    const latin = await failure(collectBytes(encodeText(chunksOf(['ab', 'c€']), 'latin1')));
    expect([latin.code, latin.message]).toEqual([
      'not_representable',
      'character 3 is not representable in latin1',
    ]);
    const lone = await failure(collectBytes(encodeText(chunksOf(['a\ud800']), 'utf-8')));
    expect([lone.code, lone.message]).toEqual([
      'invalid_encoding',
      'lone UTF-16 surrogate at character 1',
    ]);
    expect(() => encodeText(chunksOf([]), 'latin1', { bom: true })).toThrow(/no byte order mark/);
  });
});
