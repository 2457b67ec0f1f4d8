import { exceedsBytes } from './cells.js';

/** One line of text (without its line break), or a line over the limit, dropped as it streamed. */
export type TextLine =
  | { readonly line: number; readonly text: string; readonly tooLong: false }
  | { readonly line: number; readonly text: ''; readonly tooLong: true };

export type LineBreak = 'auto' | 'lf' | 'crlf' | 'cr';

/**
 * Splits decoded text into lines. 'auto' and 'lf'/'crlf' end lines at LF and drop a CR before
 * it; 'auto' switches to CR-only lines when the first line break is a CR not followed by LF.
 * A line longer than `maxLineBytes` (UTF-8) is not kept: it is reported once it ends.
 * Lines come in batches, one per chunk of text: a yield per line would cost more than the line.
 */
export async function* splitLines(
  text: AsyncIterable<string>,
  maxLineBytes: number,
  lineBreak: LineBreak,
): AsyncGenerator<TextLine[]> {
  let newline = lineBreak === 'cr' ? '\r' : lineBreak === 'auto' ? '' : '\n';
  let rest = '';
  let line = 0;
  let dropping = false;
  const finish = (body: string): TextLine => {
    line++;
    if (newline === '\n' && body.charCodeAt(body.length - 1) === 0x0d) body = body.slice(0, -1);
    if (dropping || exceedsBytes(body, maxLineBytes)) {
      dropping = false;
      return { line, text: '', tooLong: true };
    }
    return { line, text: body, tooLong: false };
  };
  for await (const chunk of text) {
    const batch: TextLine[] = [];
    // While dropping an over-long line, nothing before its end is kept: each chunk is searched alone.
    let buffer = dropping ? chunk : rest + chunk;
    rest = '';
    if (newline === '') {
      const cr = buffer.indexOf('\r');
      const lf = buffer.indexOf('\n');
      if (cr !== -1 && (lf === -1 || cr < lf) && cr + 1 < buffer.length) {
        newline = buffer.charCodeAt(cr + 1) === 0x0a ? '\n' : '\r';
      } else if (lf !== -1) {
        newline = '\n';
      } else {
        if (!dropping) rest = buffer;
        if (rest.length > maxLineBytes + 1) [rest, dropping] = ['', true];
        continue;
      }
    }
    let start = 0;
    if (dropping) {
      const end = buffer.indexOf(newline);
      if (end === -1) continue;
      batch.push(finish(''));
      start = end + 1;
    }
    for (
      let end = buffer.indexOf(newline, start);
      end !== -1;
      end = buffer.indexOf(newline, start)
    ) {
      batch.push(finish(buffer.slice(start, end)));
      start = end + 1;
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
    // An unfinished line past the limit is dropped now, not when it ends: memory stays bounded.
    if (buffer.length > maxLineBytes + 1) dropping = true;
    else rest = buffer;
    if (batch.length > 0) yield batch;
  }
  if (rest !== '' || dropping) yield [finish(rest)];
}
