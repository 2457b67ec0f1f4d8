import { inferCellType, parseCell } from './cells.js';

describe('typed cells', () => {
  it('reads plain decimals, and nothing else, as numbers', () => {
    for (const [text, value] of [
      ['12', 12],
      ['-1.5', -1.5],
      ['+.5', 0.5],
      ['3.', 3],
      ['6.02e23', 6.02e23],
      ['1E-3', 0.001],
    ] as const) {
      expect(parseCell(text, 'number')).toEqual({ ok: true, value });
    }
    for (const text of ['1,000', '0x10', 'NaN', 'Infinity', '1e', '.', '1.2.3', ' 1'])
      expect(parseCell(text, 'number').ok).toBe(false);
  });

  it('refuses a very long digit run with a bad ending in linear time (no regex backtracking)', () => {
    const hostile = `${'1'.repeat(1_000_000)}x`;
    const started = process.hrtime.bigint();
    expect(parseCell(hostile, 'number').ok).toBe(false);
    expect(inferCellType([hostile])).toBe('string');
    // A quadratic pattern takes minutes here; a linear one a few milliseconds.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  });
});
