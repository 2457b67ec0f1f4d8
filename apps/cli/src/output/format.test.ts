import { changeLines } from '../commands/env-promote.js';
import { shortTime, table } from './table.js';
import { plural, printable } from './text.js';

describe('printable', () => {
  it('replaces control characters and line breaks, caps the length', () => {
    expect(printable('a\u001b[31mred\u0007\r\nnext\tcol')).toBe('a?[31mred? next col');
    expect(printable('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(printable(undefined)).toBe('');
    expect(printable(null)).toBe('');
    expect(printable(42)).toBe('42');
    expect(printable('\u009b2J line\u2028sep')).toBe('?2J line?sep');
  });

  it('plural', () => {
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(0, 'file')).toBe('0 files');
  });
});

describe('table', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(
      table(
        ['A', 'LONGER', 'LAST'],
        [
          ['wide cell', 'x', 'free text'],
          ['b', 'yy', ''],
        ],
      ),
    ).toEqual(['A          LONGER  LAST', 'wide cell  x       free text', 'b          yy']);
  });

  it('shortTime prints UTC to the second, a dash for nothing', () => {
    expect(shortTime('2024-06-01T14:00:05.999+02:00')).toBe('2024-06-01 12:00:05Z');
    expect(shortTime(undefined)).toBe('-');
    expect(shortTime('not a time')).toBe('-');
  });
});

describe('changeLines', () => {
  it('marks added +, removed -, changed ~', () => {
    expect(
      changeLines([
        { path: 'operations.a', change: 'added' },
        { path: 'variables.B', change: 'removed' },
        { path: 'description', change: 'changed' },
      ]),
    ).toEqual(['  + operations.a', '  - variables.B', '  ~ description']);
    expect(changeLines([])).toEqual(['  (no changes)']);
  });
});
