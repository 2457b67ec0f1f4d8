import { splitLines, type LineBreak, type TextLine } from './lines.js';

async function* chunks(parts: readonly string[]): AsyncGenerator<string> {
  yield* parts;
}

async function lines(
  parts: readonly string[],
  lineBreak: LineBreak,
  max = 1000,
): Promise<TextLine[]> {
  const out: TextLine[] = [];
  for await (const batch of splitLines(chunks(parts), max, lineBreak)) out.push(...batch);
  return out;
}

const shown = (found: readonly TextLine[]): string[] =>
  found.map((l) => (l.tooLong ? `${l.line}:too long` : `${l.line}:${l.text}`));

describe('splitLines', () => {
  it('splits LF, CRLF and CR-only text the same wherever the chunks are cut', async () => {
    const cases: Array<[string, LineBreak, number, string[]]> = [
      ['a\nbb\r\n\nccc', 'auto', 1000, ['1:a', '2:bb', '3:', '4:ccc']],
      ['a\r\nb\r\n', 'auto', 1000, ['1:a', '2:b']],
      ['a\rb\r\rc', 'auto', 1000, ['1:a', '2:b', '3:', '4:c']],
      ['a\rb\rc\r', 'cr', 1000, ['1:a', '2:b', '3:c']],
      ['abc\r', 'auto', 1000, ['1:abc']],
      ['abcdefgh\r', 'auto', 5, ['1:too long']],
      ['a\r\nb', 'lf', 1000, ['1:a', '2:b']],
      ['abcdefgh\nab\nabcdefghij\nx', 'auto', 5, ['1:too long', '2:ab', '3:too long', '4:x']],
      ['abcdefgh\rab\rabc', 'auto', 5, ['1:too long', '2:ab', '3:abc']],
    ];
    for (const [text, lineBreak, max, expected] of cases) {
      expect(shown(await lines([text], lineBreak, max))).toEqual(expected);
      expect(shown(await lines(Array.from(text), lineBreak, max))).toEqual(expected);
      for (let i = 0; i <= text.length; i++)
        for (let j = i; j <= text.length; j++) {
          const parts = [text.slice(0, i), text.slice(i, j), text.slice(j)];
          expect([i, j, shown(await lines(parts, lineBreak, max))]).toEqual([i, j, expected]);
        }
    }
  });

  it('stays linear for a 1 MB line in 1- to 16-character chunks', async () => {
    // Searching the whole unfinished line again for each chunk took ~51 s for 1 MB (~800 s for
    // 4 MB); searching only the new chunk takes ~0.15 s. The bound leaves room for a loaded CI
    // machine and still fails the quadratic version by far.
    const text = `${'x'.repeat(1024 * 1024)}\nab\n`;
    async function* small(): AsyncGenerator<string> {
      for (let at = 0, n = 0; at < text.length; n++) {
        const size = 1 + (n % 16);
        yield text.slice(at, at + size);
        at += size;
      }
    }
    const started = performance.now();
    const found: TextLine[] = [];
    for await (const batch of splitLines(small(), 8 * 1024 * 1024, 'lf')) found.push(...batch);
    const elapsed = performance.now() - started;
    expect(found.map((l) => [l.line, l.text.length])).toEqual([
      [1, 1024 * 1024],
      [2, 2],
    ]);
    expect(elapsed).toBeLessThan(20_000);
  }, 60_000);
});
