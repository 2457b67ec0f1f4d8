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
  // The unfinished line, as the chunks it came in: joined once when it ends. Searching only
  // each new chunk for the line break keeps a long line in small chunks linear, not quadratic.
  let pending: string[] = [];
  let pendingLength = 0;
  let line = 0;
  let dropping = false;
  let heldCR = false;
  const finish = (body: string): TextLine => {
    line++;
    if (newline === '\n' && body.charCodeAt(body.length - 1) === 0x0d) body = body.slice(0, -1);
    if (dropping || exceedsBytes(body, maxLineBytes)) {
      dropping = false;
      return { line, text: '', tooLong: true };
    }
    return { line, text: body, tooLong: false };
  };
  const keep = (part: string): void => {
    if (dropping || part === '') return;
    pending.push(part);
    pendingLength += part.length;
    // An unfinished line past the limit is dropped now, not when it ends: memory stays bounded.
    if (pendingLength > maxLineBytes + 1) {
      [pending, pendingLength, dropping] = [[], 0, true];
    }
  };
  const takePending = (): string => {
    const body = pending.length === 1 ? pending[0]! : pending.join('');
    [pending, pendingLength] = [[], 0];
    return body;
  };
  for await (const chunk of text) {
    const batch: TextLine[] = [];
    let start = 0;
    if (newline === '') {
      // 'auto': the first line break decides. Only a CR at a chunk's end is undecided; then it
      // is the last character kept (unless the line is being dropped).
      if (heldCR) {
        if (chunk === '') continue;
        heldCR = false;
        newline = chunk.charCodeAt(0) === 0x0a ? '\n' : '\r';
        if (newline === '\r') batch.push(finish(dropping ? '' : takePending().slice(0, -1)));
      } else {
        const cr = chunk.indexOf('\r');
        const lf = chunk.indexOf('\n');
        if (cr !== -1 && (lf === -1 || cr < lf)) {
          if (cr + 1 >= chunk.length) {
            keep(chunk);
            heldCR = true;
            continue;
          }
          newline = chunk.charCodeAt(cr + 1) === 0x0a ? '\n' : '\r';
        } else if (lf !== -1) newline = '\n';
        else {
          keep(chunk);
          continue;
        }
      }
    }
    let end = chunk.indexOf(newline, start);
    if (end !== -1 && (dropping || pending.length > 0)) {
      batch.push(finish(dropping ? '' : takePending() + chunk.slice(start, end)));
      start = end + 1;
      end = chunk.indexOf(newline, start);
    }
    for (; end !== -1; end = chunk.indexOf(newline, start)) {
      batch.push(finish(chunk.slice(start, end)));
      start = end + 1;
    }
    keep(start === 0 ? chunk : chunk.slice(start));
    if (batch.length > 0) yield batch;
  }
  // a lone CR as the very last character ends the only line (CR-only text of one line)
  if (heldCR) yield [finish(dropping ? '' : takePending().slice(0, -1))];
  else if (pending.length > 0 || dropping) yield [finish(takePending())];
}
