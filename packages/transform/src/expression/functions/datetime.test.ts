// Date/time functions; expected values were checked against the reference implementation.

import { ExpressionError } from '../contract.js';
import { fakeContext, invoke } from './fake-call-context.spec.js';

const NOW = Date.UTC(2018, 9, 21, 12, 30, 15, 123); // 2018-10-21T12:30:15.123Z, a Sunday

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ExpressionError.is(error) ? error.code : 'not an ExpressionError';
  }
  return undefined;
}

describe('$now and $millis', () => {
  it('use the evaluation clock, so every call agrees', () => {
    const context = fakeContext({ now: NOW });
    expect(invoke('millis', [], context)).toBe(NOW);
    expect(invoke('now', [], context)).toBe('2018-10-21T12:30:15.123Z');
    expect(invoke('now', ['[H01]:[m01]', '+0200'], context)).toBe('14:30');
  });
});

describe('$fromMillis', () => {
  it('formats ISO 8601 by default', () => {
    expect(invoke('fromMillis', [NOW])).toBe('2018-10-21T12:30:15.123Z');
  });

  it('formats names, ordinals, the 12-hour clock and a time zone', () => {
    expect(invoke('fromMillis', [NOW, '[FNn], [D1o] [MNn] [Y] [h]:[m01] [PN] [z]', '-0500'])).toBe(
      'Sunday, 21st October 2018 7:30 AM GMT-05:00',
    );
  });

  it('formats week and ISO-week components and widths', () => {
    expect(invoke('fromMillis', [NOW, '[W01] [w] [X] [x] [d] [F1] [E] [C]'])).toBe(
      '42 3 2018 10 294 7 ISO ISO',
    );
    expect(invoke('fromMillis', [NOW, '[Y,2]-[M,2]'])).toBe('18-10');
  });

  it('reports picture errors with the reference codes', () => {
    expect(codeOf(() => invoke('fromMillis', [NOW, '[Y']))).toBe('D3135');
    expect(codeOf(() => invoke('fromMillis', [NOW, '[Q]']))).toBe('D3132');
    expect(codeOf(() => invoke('fromMillis', [NOW, '[YN]']))).toBe('D3133');
    expect(codeOf(() => invoke('fromMillis', [NOW, '[Z00001]']))).toBe('D3134');
  });
});

describe('$toMillis', () => {
  const at = (text: string, picture?: string): unknown =>
    invoke('toMillis', picture === undefined ? [text] : [text, picture], fakeContext({ now: NOW }));

  it('parses ISO 8601 without a picture, and rejects anything else (D3110)', () => {
    expect(at('2018-10-21T12:30:15.123Z')).toBe(NOW);
    expect(codeOf(() => at('nope'))).toBe('D3110');
  });

  it('parses with pictures: numbers, names, words, day of year, 12-hour clock', () => {
    expect(at('2018-10-21', '[Y0001]-[M01]-[D01]')).toBe(1540080000000);
    expect(at('20181021', '[Y0001][M01][D01]')).toBe(1540080000000);
    expect(at('21 October 2018 3:04pm', '[D1] [MNn] [Y0001] [h]:[m01][P]')).toBe(1540134240000);
    expect(at('Twenty-First of October 2018', '[Dw] of [MNn] [Y0001]')).toBe(1540080000000);
    expect(at('2018-294', '[Y0001]-[d001]')).toBe(1540080000000);
  });

  it('applies a parsed time zone offset', () => {
    expect(at('2018-10-21 12:00 +0530', '[Y0001]-[M01]-[D01] [H01]:[m01] [Z0001]')).toBe(
      1540103400000,
    );
  });

  it('fills the leading unspecified parts from the evaluation clock', () => {
    expect(at('12:30', '[H01]:[m01]')).toBe(Date.UTC(2018, 9, 21, 12, 30));
  });

  it('returns undefined when the text does not match, D3136 when a gap is left', () => {
    expect(at('abc', '[Y0001]')).toBeUndefined();
    expect(codeOf(() => at('2018 12', '[Y0001] [H01]'))).toBe('D3136');
  });

  it('parses in polynomial time even for a picture built to backtrack', () => {
    const picture = Array.from({ length: 12 }, () => '[Dw]').join(' ');
    const text = `${'one '.repeat(100)}x`;
    const started = Date.now();
    expect(at(text, picture)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
