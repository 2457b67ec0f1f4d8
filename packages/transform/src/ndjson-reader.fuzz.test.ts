import { readNdjson, type RecordResult } from './ndjson-reader.js';

// Multi-byte characters of 2, 3 and 4 bytes, CRLF, blank lines, a bad line, an over-long line,
// and a last line without newline: every boundary the reader must get right.
const INPUT = [
  '{"name":"Zoë","city":"Kraków"}',
  '',
  '{"emoji":"😀🎉","cjk":"漢字"}\r',
  '\r',
  '{"broken": 😀}',
  `"${'é'.repeat(40)}"`,
  '[1,2,{"k":"€"}]\r',
  '"tail"',
].join('\n');

const EXPECTED: RecordResult[] = [
  { ok: true, line: 1, record: { name: 'Zoë', city: 'Kraków' } },
  { ok: true, line: 3, record: { emoji: '😀🎉', cjk: '漢字' } },
  { ok: false, line: 5, reason: 'line 5: invalid JSON: unexpected character U+1F600 at column 12' },
  { ok: false, line: 6, reason: 'line 6: exceeds 64 bytes' },
  { ok: true, line: 7, record: [1, 2, { k: '€' }] },
  { ok: true, line: 8, record: 'tail' },
];

const bytes = new TextEncoder().encode(INPUT);

async function read(pieces: Array<Uint8Array | string>): Promise<RecordResult[]> {
  async function* source(): AsyncGenerator<Uint8Array | string> {
    yield* pieces;
  }
  const results: RecordResult[] = [];
  for await (const result of readNdjson(source(), { maxLineBytes: 64 })) results.push(result);
  return results;
}

function split<T extends Uint8Array | string>(whole: T, at: readonly number[]): T[] {
  const bounds = [0, ...at, whole.length];
  return bounds.slice(1).map((end, i) => whole.slice(bounds[i], end) as T);
}

describe('readNdjson chunk boundaries', () => {
  it('reads the whole input as expected', async () => {
    expect(await read([bytes])).toEqual(EXPECTED);
  });

  it('gives identical results for a split at every byte offset', async () => {
    for (let at = 0; at <= bytes.length; at += 1) {
      expect([at, await read(split(bytes, [at]))]).toEqual([at, EXPECTED]);
    }
  });

  it('gives identical results for one-byte chunks', async () => {
    expect(await read(split(bytes, [...bytes.keys()].slice(1)))).toEqual(EXPECTED);
  });

  it('gives identical results for a split at every UTF-16 offset of string chunks, surrogate pairs included', async () => {
    for (let at = 0; at <= INPUT.length; at += 1) {
      expect([at, await read(split(INPUT, [at]))]).toEqual([at, EXPECTED]);
    }
    expect(await read(split(INPUT, [...INPUT].map((_, i) => i).slice(1)))).toEqual(EXPECTED);
  });

  it('gives identical results for seeded random multi-way splits, mixing bytes and strings', async () => {
    let state = 7;
    const next = (limit: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % limit;
    };
    for (let round = 0; round < 300; round += 1) {
      const cuts = [
        ...new Set(Array.from({ length: 1 + next(12) }, () => next(bytes.length))),
      ].sort((a, b) => a - b);
      const pieces = split(bytes, cuts).map((piece) => {
        // Turn some pieces into text when they hold whole characters only.
        if (next(2) === 0) return piece;
        try {
          return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(piece);
        } catch {
          return piece;
        }
      });
      expect([cuts, await read(pieces)]).toEqual([cuts, EXPECTED]);
    }
  });
});
