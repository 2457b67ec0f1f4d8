import { readCsv, writeCsv } from '../formats/csv/index.js';
import { chunksOf, collect, failure, join } from '../formats/text/streams.spec.js';
import { writeXml } from '../formats/xml/index.js';
import { writeNdjson } from '../ndjson-writer.js';
import { quotedName, shortName } from './short-name.js';

// a name built from record data: only its first 80 characters may reach a message
const long = `k${'x'.repeat(79)}SECRET-TAIL${'y'.repeat(500)}`;
const cut = `"k${'x'.repeat(79)}…"`;
const XML = { rootElement: 'r', recordElement: 'e' };

describe('shortName', () => {
  it('keeps names up to 80 characters and cuts longer ones with an ellipsis', () => {
    expect(shortName('a'.repeat(80))).toBe('a'.repeat(80));
    expect(shortName('a'.repeat(81))).toBe(`${'a'.repeat(80)}…`);
    expect(quotedName(long)).toBe(cut);
  });

  it('never splits a surrogate pair', () => {
    const name = `${'a'.repeat(79)}😀tail`;
    expect(shortName(name)).toBe(`${'a'.repeat(79)}…`);
  });
});

describe('long names in error messages', () => {
  it('readCsv cuts the header name of a failing field', async () => {
    const results = await collect(
      readCsv(chunksOf([`${long}\nnot-a-number\n`]), {
        columns: [{ name: long, type: 'integer' }],
      }),
    );
    expect(results).toEqual([
      { ok: false, line: 2, reason: `line 2: field 1 (${cut}) is not an integer` },
    ]);
  });

  it('writeCsv cuts an unknown key and a column name', async () => {
    const extra = await failure(join(writeCsv([{ a: 1 }, { a: 1, [long]: 2 }])));
    expect(extra.message).toBe(`record 2: key ${cut} is not one of the columns`);
    const cell = await failure(join(writeCsv([{ [long]: Symbol('s') }])));
    expect(cell.message).toBe(`record 1: column ${cut} holds a symbol, which a CSV cell cannot`);
  });

  it('writeNdjson cuts the key of a value JSON cannot hold', async () => {
    const error = await failure(join(writeNdjson([{ [long]: 1n }])));
    expect(error.message).toBe(`record 1: a BigInt is not JSON-representable (at key ${cut})`);
  });

  it('writeXml cuts element names and the middle of a deep path', async () => {
    const bad = await failure(join(writeXml([{ a: { [long]: Symbol('s') } }], XML)));
    expect(bad.message).toBe(`record 1: a symbol (at "a".${cut})`);
    let deep: Record<string, unknown> = { z: Symbol('s') };
    for (let i = 0; i < 20; i++) deep = { [`e${i}`]: deep };
    const error = await failure(join(writeXml([deep], XML)));
    expect(error.message).toBe(
      'record 1: a symbol (at "e19"."e18"."e17"."e16"…."e3"."e2"."e1"."e0"."z")',
    );
  });
});
