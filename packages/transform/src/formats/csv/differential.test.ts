import { parse } from 'csv-parse/sync';
import { readCsv, writeCsv } from './index.js';
import { chunksOf, collect, join } from '../text/streams.spec.js';

// A small deterministic generator (mulberry32), so that a failure can be replayed.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'a',
  'b',
  'é',
  '😀',
  ',',
  ';',
  '"',
  '""',
  ' ',
  '\n',
  '\r\n',
  '\r',
  '\t',
  '0',
  '-1.5',
];

describe('readCsv against csv-parse', () => {
  it('reads 300 random tables exactly as csv-parse does, cut into random chunks', async () => {
    const next = random(20241124);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    for (let round = 0; round < 300; round++) {
      const width = 2 + Math.floor(next() * 4);
      const names = Array.from({ length: width }, (_, i) => `c${i}`);
      const rows = Array.from({ length: 1 + Math.floor(next() * 6) }, () =>
        Object.fromEntries(
          names.map((name) => [
            name,
            Array.from({ length: Math.floor(next() * 5) }, () => pick(PIECES)).join(''),
          ]),
        ),
      );
      const delimiter = pick([',', ';', '\t']);
      const text = await join(
        writeCsv(rows, {
          delimiter,
          quoteAll: next() < 0.3,
          lineEnding: pick(['lf', 'crlf'] as const),
        }),
      );
      const expected = parse(text, { columns: true, delimiter }) as unknown[];
      const cuts = [Math.floor(next() * text.length), Math.floor(next() * text.length)].sort(
        (a, b) => a - b,
      );
      const parts = [text.slice(0, cuts[0]), text.slice(cuts[0], cuts[1]), text.slice(cuts[1])];
      const results = await collect(readCsv(chunksOf(parts), { delimiter }));
      expect(results.map((r) => (r.ok ? r.record : r.reason))).toEqual(expected);
      expect(expected).toEqual(rows);
    }
  });
});
