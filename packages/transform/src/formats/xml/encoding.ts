import { TransformError } from '../../errors.js';
import { decodeText, type TextEncodingName } from '../text/decoding.js';
import { isBytes } from '../text/source.js';

/** How far into the input the byte order mark and XML declaration are looked for. */
const SNIFF_BYTES = 1024;

const DECLARED_ENCODING =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])[^"']*\1[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])([A-Za-z][A-Za-z0-9._-]{0,39})\2/;

type Family = 'ascii' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';

interface Sniffed {
  readonly family: Family;
  readonly bomLength: number;
}

/**
 * Turns the reader's source into text. With `encoding: 'auto'` a byte source is sniffed the way
 * XML 1.0 appendix F describes: a byte order mark, or the first characters "<?" in UTF-16
 * without one, then the XML declaration's `encoding` (UTF-8, US-ASCII as UTF-8, UTF-16,
 * ISO-8859-1); anything else is unsupported_input, and a declaration that contradicts the byte
 * order mark is malformed_input. A string source is text already: its declaration is not read.
 */
export function decodeXmlSource(
  source: AsyncIterable<Uint8Array | string>,
  encoding: TextEncodingName | 'auto',
): AsyncIterable<string> {
  if (encoding !== 'auto') return decodeText(source, { encoding });
  return sniffAndDecode(source);
}

async function* sniffAndDecode(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    let head: Uint8Array = new Uint8Array(0);
    let firstString: string | undefined;
    for (;;) {
      if (head.length >= SNIFF_BYTES || head.indexOf(0x3e /* > */) !== -1) break;
      const step = await iterator.next();
      if (step.done === true) break;
      const chunk: unknown = step.value;
      if (typeof chunk === 'string') {
        firstString = chunk;
        break;
      }
      if (!isBytes(chunk)) {
        throw new TransformError(
          'invalid_source',
          'readXml received a chunk that is neither a string nor a Uint8Array',
        );
      }
      head = concat(head, chunk);
    }
    if (firstString !== undefined || head.length === 0) {
      // Text chunks (or nothing): decodeText passes strings through and strips a leading BOM.
      const replay: (Uint8Array | string)[] = [];
      if (head.length > 0) replay.push(head);
      if (firstString !== undefined) replay.push(firstString);
      yield* decodeText(continueWith(replay, iterator), { encoding: 'auto' });
      return;
    }
    const sniffed = sniffFamily(head);
    const chosen = chooseEncoding(
      sniffed,
      declaredEncoding(head.subarray(0, SNIFF_BYTES), sniffed),
    );
    yield* decodeText(continueWith([head.subarray(sniffed.bomLength)], iterator), {
      encoding: chosen,
    });
  } finally {
    await iterator.return?.();
  }
}

async function* continueWith(
  first: readonly (Uint8Array | string)[],
  iterator: AsyncIterator<Uint8Array | string>,
): AsyncGenerator<Uint8Array | string> {
  for (const chunk of first) if (chunk.length > 0) yield chunk;
  for (;;) {
    const step = await iterator.next();
    if (step.done === true) return;
    yield step.value;
  }
}

function sniffFamily(head: Uint8Array): Sniffed {
  const [a, b, c, d] = head;
  const unsupported = (what: string): TransformError =>
    new TransformError('unsupported_input', `${what} at byte 0: use UTF-8, UTF-16 or ISO-8859-1`);
  if (
    (a === 0 && b === 0) ||
    (a === 0xff && b === 0xfe && c === 0 && d === 0) ||
    (a === 0x3c && b === 0 && c === 0)
  ) {
    throw unsupported('UTF-32 / UCS-4 input');
  }
  if (a === 0x4c && b === 0x6f && c === 0xa7 && d === 0x94) throw unsupported('EBCDIC input');
  if (a === 0xef && b === 0xbb && c === 0xbf) return { family: 'utf-8-bom', bomLength: 3 };
  if (a === 0xff && b === 0xfe) return { family: 'utf-16le', bomLength: 2 };
  if (a === 0xfe && b === 0xff) return { family: 'utf-16be', bomLength: 2 };
  if (a === 0x3c && b === 0 && c === 0x3f && d === 0) return { family: 'utf-16le', bomLength: 0 };
  if (a === 0 && b === 0x3c && c === 0 && d === 0x3f) return { family: 'utf-16be', bomLength: 0 };
  return { family: 'ascii', bomLength: 0 };
}

/** The declaration's encoding name, read with the family's code unit width (ASCII characters only). */
function declaredEncoding(head: Uint8Array, sniffed: Sniffed): string | undefined {
  let text = '';
  const start = sniffed.bomLength;
  if (sniffed.family === 'utf-16le' || sniffed.family === 'utf-16be') {
    const little = sniffed.family === 'utf-16le';
    for (let i = start; i + 1 < head.length; i += 2) {
      const unit = little ? head[i]! | (head[i + 1]! << 8) : (head[i]! << 8) | head[i + 1]!;
      if (unit > 0x7f) break;
      text += String.fromCharCode(unit);
    }
  } else {
    for (let i = start; i < head.length && head[i]! <= 0x7f; i++)
      text += String.fromCharCode(head[i]!);
  }
  return DECLARED_ENCODING.exec(text)?.[3];
}

function chooseEncoding(sniffed: Sniffed, declared: string | undefined): TextEncodingName {
  const sixteen = sniffed.family === 'utf-16le' || sniffed.family === 'utf-16be';
  const detected: TextEncodingName = sixteen ? (sniffed.family as TextEncodingName) : 'utf-8';
  if (declared === undefined) return detected;
  const name = declared.toLowerCase();
  const conflict = (): TransformError =>
    new TransformError(
      'malformed_input',
      `the XML declaration at line 1 names encoding "${declared}", which contradicts the byte order mark or first bytes`,
    );
  if (name === 'utf-8' || name === 'utf8' || name === 'us-ascii' || name === 'ascii') {
    if (sixteen) throw conflict();
    return 'utf-8';
  }
  if (name === 'utf-16' || name === 'utf-16le' || name === 'utf-16be') {
    if (!sixteen || (name !== 'utf-16' && name !== sniffed.family)) throw conflict();
    return detected;
  }
  if (['iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'latin-1', 'l1'].includes(name)) {
    if (sniffed.family !== 'ascii') throw conflict();
    return 'latin1';
  }
  throw new TransformError(
    'unsupported_input',
    `encoding "${declared}" declared at line 1 is not supported: use UTF-8, UTF-16 or ISO-8859-1`,
  );
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
