import { TransformError } from '../../errors.js';
import type { RecordResult } from '../../ndjson-reader.js';
import { readXml } from './reader.js';
import { chunks, split } from './test-helpers.spec.js';

// A small seeded generator (mulberry32), so failures reproduce.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = `<?xml version="1.0"?>
<p:r xmlns:p="urn:p" xmlns="urn:d"><!-- c -->
  <o id="1" p:k='v&amp;w'><a>Zoë &#x1F600;</a><a/><![CDATA[<x>]]><?pi d?></o>
  <o><b c="&quot;"> t </b>tail</o>
</p:r>`;

const PIECES = [
  '<',
  '>',
  '/',
  '"',
  "'",
  '=',
  '&',
  ';',
  '#',
  'x',
  ':',
  '!',
  '-',
  '?',
  '[',
  ']',
  ' ',
  '\n',
  '\r',
  'é',
  '😀',
  'o',
  'a',
  '\u0000',
  'CDATA',
  'DOCTYPE',
  '&amp;',
  '&#0;',
  '</o>',
  '<o>',
];

type Outcome = { results: RecordResult[] } | { error: string };

async function outcome(pieces: readonly (string | Uint8Array)[]): Promise<Outcome> {
  const results: RecordResult[] = [];
  try {
    for await (const result of readXml(chunks(pieces), {
      recordElement: 'o',
      maxRecordBytes: 80,
      maxDepth: 8,
    })) {
      results.push(result);
    }
  } catch (error) {
    // Anything else than a TransformError is a crash of the reader.
    if (!TransformError.is(error)) throw error;
    return { error: `${error.code}: ${error.message}` };
  }
  return { results };
}

describe('readXml on mutated documents', () => {
  it('either reads or throws a TransformError, the same way for every chunking', async () => {
    const next = random(6);
    const encoder = new TextEncoder();
    let failures = 0;
    for (let round = 0; round < 400; round++) {
      let text = VALID;
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (text.length + 1));
        const cut = next() < 0.5 ? Math.floor(next() * 4) : 0;
        const insert = next() < 0.7 ? PIECES[Math.floor(next() * PIECES.length)]! : '';
        text = text.slice(0, at) + insert + text.slice(at + cut);
      }
      const clean = text.replace(/[\uD800-\uDFFF]/g, '?'); // a cut may split a pair
      const bytes = encoder.encode(clean);
      const whole = await outcome([bytes]);
      const at = Math.floor(next() * (bytes.length + 1));
      const other = Math.min(bytes.length, at + 1 + Math.floor(next() * 20));
      expect([round, await outcome(split(bytes, [at, other]))]).toEqual([round, whole]);
      const textAt = Math.floor(next() * (clean.length + 1));
      expect([round, await outcome(split(clean, [textAt]))]).toEqual([round, whole]);
      if (round % 20 === 0) {
        expect([round, await outcome(split(bytes, [...bytes.keys()].slice(1)))]).toEqual([
          round,
          whole,
        ]);
      }
      if ('error' in whole) {
        failures++;
        expect(whole.error).toMatch(/(line \d+, column \d+|at byte \d+)/);
      }
    }
    // The mutations must exercise both paths.
    expect(failures).toBeGreaterThan(100);
    expect(failures).toBeLessThan(400);
  });
});
