import { readCsv, writeCsv } from './index.js';
import { resolveReadOptions } from './options.js';
import { CsvScanner, NEED_MORE, ROW } from './scanner.js';
import { chunksOf, collect, failure, records } from '../text/streams.spec.js';

const MiB = 1024 * 1024;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('readCsv on bad input', () => {
  it('names the byte offset of invalid UTF-8', async () => {
    const input = [bytes('a,b\n1,'), Uint8Array.of(0xc3), Uint8Array.of(0x28, 0x0a)];
    const error = await failure(collect(readCsv(chunksOf(input))));
    expect([error.code, error.message]).toEqual([
      'invalid_encoding',
      'invalid UTF-8 sequence at byte 6',
    ]);
  });

  it('throws for quoting broken at the end of input, naming where the quote opened', async () => {
    const error = await failure(collect(readCsv(chunksOf(['a,b\n"x"",y\n1,2']))));
    expect([error.code, error.message]).toEqual([
      'malformed_input',
      'line 2, column 1: quoted field not closed before the end of input',
    ]);
  });

  it('reads truncated input as far as it goes: a short last row fails, the rest is read', async () => {
    expect(records(await collect(readCsv(chunksOf(['a,b,c\n1,2,3\n4,5']))))).toEqual([
      { a: '1', b: '2', c: '3' },
      { failed: 3, reason: 'line 3: expected 3 fields, found 2' },
    ]);
    expect(await collect(readCsv(chunksOf([''])))).toEqual([]);
    expect(await collect(readCsv(chunksOf(['a,b'])))).toEqual([]);
  });

  it('carries NUL bytes and odd unicode through as data', async () => {
    const odd = ['\u0000', '\u202eevil', 'e\u0301', '\u2028', '\ufeffmid', '\uffff', '𝕏'];
    const text = `${odd.map((_, i) => `c${i}`).join(',')}\n${odd.join(',')}\n`;
    const [result] = await collect(readCsv(chunksOf([bytes(text)])));
    expect(result).toEqual({
      ok: true,
      line: 2,
      record: Object.fromEntries(odd.map((v, i) => [`c${i}`, v])),
    });
  });

  it('fails a 10 MB cell without holding it: the scanner never buffers more than about twice the limit', () => {
    const scanner = new CsvScanner(resolveReadOptions({}));
    const piece = 'x'.repeat(64 * 1024);
    let most = 0;
    const results: (string | undefined)[] = [];
    const drain = (): void => {
      for (let status = scanner.next(); status === ROW; status = scanner.next()) {
        results.push(scanner.problem ?? scanner.fields.slice(0, scanner.fieldCount).join('|'));
      }
      most = Math.max(most, scanner.buffered);
    };
    scanner.push('a,b\n1,"');
    drain();
    for (let i = 0; i < 160; i++) {
      scanner.push(piece);
      drain();
    }
    scanner.push('"\n2,3\n');
    drain();
    scanner.end();
    drain();
    expect(results).toEqual(['a|b', 'line 2: field 2 exceeds 1048576 bytes', '2|3']);
    expect(most).toBeLessThan(2.5 * MiB);
    expect(scanner.next()).not.toBe(NEED_MORE);
  });

  it('streams a 64 MB cell through readCsv with the heap staying far below its size', async () => {
    const piece = bytes('y'.repeat(64 * 1024)); // the same buffer each time: the source itself holds nothing
    let most = 0;
    const start = process.memoryUsage().heapUsed;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes('a,b\n1,');
      for (let i = 0; i < 1024; i++) {
        if (i % 50 === 0) most = Math.max(most, process.memoryUsage().heapUsed - start);
        yield piece;
      }
      yield bytes(',2\n3,4\n');
    }
    const results = records(await collect(readCsv(source())));
    expect(results).toEqual([
      { failed: 2, reason: 'line 2: field 2 exceeds 1048576 bytes' },
      { a: '3', b: '4' },
    ]);
    expect(most).toBeLessThan(48 * MiB);
  });
});

describe('readCsv on pathological input', () => {
  it('stays linear on a cell of 200,000 doubled quotes and on many quoted cells without escapes', async () => {
    const quotes = `a,b\n1,"${'""'.repeat(200_000)}"\n`;
    const [doubled] = await collect(readCsv(chunksOf([quotes])));
    expect(doubled).toEqual({ ok: true, line: 2, record: { a: '1', b: '"'.repeat(200_000) } });
    const many = `a,b\n${'"x","y"\n'.repeat(50_000)}`;
    const results = await collect(readCsv(chunksOf([many]), { escape: 'backslash' }));
    // Quadratic rescans would take minutes here and trip the test timeout; linear work takes ms.
    expect(results).toHaveLength(50_000);
  });
});

describe('readCsv → writeCsv memory', () => {
  async function peakHeapGrowth(rows: number): Promise<number> {
    const cells = Array.from({ length: 20 }, (_, c) =>
      c % 4 === 0 ? `"quoted, cell ${'q'.repeat(30)}"` : `value ${c} ${'v'.repeat(30)}`,
    ).join(',');
    const header = Array.from({ length: 20 }, (_, c) => `c${c}`).join(',');
    const line = bytes(`${cells}\n`);
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes(`${header}\n`);
      for (let i = 0; i < rows; i++) yield line;
    }
    const start = process.memoryUsage().heapUsed;
    let most = 0;
    let written = 0;
    async function* recordsOf(): AsyncGenerator<unknown> {
      for await (const result of readCsv(source())) if (result.ok) yield result.record;
    }
    for await (const text of writeCsv(recordsOf())) {
      written += text.length;
      if (written % 1000 === 0) most = Math.max(most, process.memoryUsage().heapUsed - start);
    }
    expect(written).toBeGreaterThan(rows * cells.length);
    return most;
  }

  it('does not grow with the number of rows streamed', async () => {
    const rows = 20_000;
    const small = await peakHeapGrowth(rows);
    const large = await peakHeapGrowth(rows * 4);
    // 80,000 records of 20 cells held at once would take well over 64 MB.
    expect(large).toBeLessThan(small + 40 * MiB);
  });
});

describe('writeCsv on bad input', () => {
  it('refuses a record that is not an object', async () => {
    const error = await failure(collect(writeCsv([{ a: 1 }, 'text'])));
    expect([error.code, error.message]).toEqual([
      'not_representable',
      'record 2: is not an object',
    ]);
  });
});

describe('readCsv maxColumns (default 10,000)', () => {
  const wide = (cell: string): string => Array.from({ length: 20_001 }, () => cell).join(',');
  const pieces = (text: string, size: number): string[] =>
    Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
      text.slice(i * size, (i + 1) * size),
    );

  it('throws limit_exceeded for a header of 20,001 columns, naming line and limit', async () => {
    for (const size of [7, 4096, 1_000_000]) {
      const error = await failure(
        collect(readCsv(chunksOf(pieces(`# title\n${wide('h')}\n1\n`, size)), { comment: '#' })),
      );
      expect([error.code, error.message]).toEqual([
        'limit_exceeded',
        'line 2: the header has more than 10000 columns (maxColumns)',
      ]);
    }
  });

  it('fails a data row of 20,001 columns (plain or quoted) and reads on', async () => {
    const text = ['a,b,c', wide(''), '1,2,3', wide('"x"'), '4,5,6'].join('\n');
    for (const size of [5, 3000, 1_000_000]) {
      expect(records(await collect(readCsv(chunksOf(pieces(text, size)))))).toEqual([
        { failed: 2, reason: 'line 2: more than 10000 columns (maxColumns)' },
        { a: '1', b: '2', c: '3' },
        { failed: 4, reason: 'line 4: more than 10000 columns (maxColumns)' },
        { a: '4', b: '5', c: '6' },
      ]);
    }
  });

  it('without a header, a too-wide first row fails and does not size the columns', async () => {
    const text = `${wide('x')}\n1,2\n`;
    expect(records(await collect(readCsv(chunksOf([text]), { header: false })))).toEqual([
      { failed: 1, reason: 'line 1: more than 10000 columns (maxColumns)' },
      { column1: '1', column2: '2' },
    ]);
  });

  it('accepts exactly maxColumns and checks the option', async () => {
    const header = Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(',');
    const results = await collect(readCsv(chunksOf([`${header}\n${'1,'.repeat(9_999)}1\n`])));
    expect(results).toHaveLength(1);
    expect(results[0]?.ok).toBe(true);
    expect(
      records(await collect(readCsv(chunksOf(['a,b\n1,2\n1,2,3\n']), { maxColumns: 2 }))),
    ).toEqual([
      { a: '1', b: '2' },
      { failed: 3, reason: 'line 3: more than 2 columns (maxColumns)' },
    ]);
    expect(() => readCsv(chunksOf(['a\n']), { maxColumns: 0 })).toThrow(
      'maxColumns must be an integer of at least 1',
    );
  });
});
