import { TransformError } from '../../errors.js';
import { isBytes, requireAsyncIterable } from './source.js';
import { findInvalidUtf16, findInvalidUtf8 } from './validation.js';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

export interface DecodeTextOptions {
  /** 'auto' (default): a BOM selects UTF-8 or UTF-16 and is stripped; without one, UTF-8. */
  readonly encoding?: TextEncodingName | 'auto';
}

export interface EncodeTextOptions {
  /** Start the output with a byte order mark (UTF-8 and UTF-16 only). Default false. */
  readonly bom?: boolean;
}

const ENCODINGS: readonly string[] = ['utf-8', 'utf-16le', 'utf-16be', 'latin1'];
const LATIN1_SLICE = 0x2000;

function resolveEncoding(value: unknown, allowAuto: boolean): TextEncodingName | 'auto' {
  if (value === undefined && allowAuto) return 'auto';
  if ((value === 'auto' && allowAuto) || ENCODINGS.includes(value as string)) {
    return value as TextEncodingName | 'auto';
  }
  throw new TransformError(
    'invalid_option',
    `encoding must be one of ${ENCODINGS.join(', ')}${allowAuto ? ' or auto' : ''}`,
  );
}

/**
 * Turns a stream of bytes (or of strings, passed through) into a stream of strings, one per
 * chunk that produced text. Invalid bytes are never replaced by U+FFFD: they throw
 * `invalid_encoding` naming the byte offset from the start of the stream (a BOM included).
 * latin1 is ISO-8859-1 proper (every byte is the code point of the same value), used only
 * when declared, since any byte sequence is "valid" latin1 and guessing it would hide errors.
 * Options are checked here, before reading starts.
 */
export function decodeText(
  source: AsyncIterable<Uint8Array | string>,
  options?: DecodeTextOptions,
): AsyncIterable<string> {
  const encoding = resolveEncoding(options?.encoding, true);
  requireAsyncIterable(source, 'decodeText');
  return decodeChunks(source, encoding);
}

interface StreamDecoder {
  decode(bytes: Uint8Array, offset: number): string;
  finish(offset: number): string;
}

async function* decodeChunks(
  source: AsyncIterable<Uint8Array | string>,
  requested: TextEncodingName | 'auto',
): AsyncGenerator<string> {
  let decoder: StreamDecoder | undefined =
    requested === 'auto' ? undefined : makeDecoder(requested, true);
  let head: Uint8Array = new Uint8Array(0); // bytes kept back until the BOM is known ('auto' only)
  let offset = 0; // bytes handed to the decoder so far
  let characters = 0; // characters of string chunks so far, for error positions
  let heldSurrogate = '';
  let first = true;

  const flushBytes = (): string => {
    if (decoder === undefined) {
      const sniffed = sniffBom(head, true);
      decoder = makeDecoder(sniffed.encoding, false);
      offset = sniffed.bomLength;
      const text = decoder.decode(head.subarray(sniffed.bomLength), offset);
      offset = head.length;
      head = new Uint8Array(0);
      return text;
    }
    return '';
  };

  for await (const chunk of source) {
    if (typeof chunk === 'string') {
      // Bytes before a string chunk must have been whole characters.
      let text = flushBytes();
      if (decoder) text += decoder.finish(offset);
      text += heldSurrogate + chunk;
      heldSurrogate = '';
      if (first && text !== '') {
        if (requested === 'auto' && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        heldSurrogate = text.slice(-1);
        text = text.slice(0, -1);
      }
      checkWellFormed(text, characters);
      characters += text.length;
      if (text !== '') yield text;
      continue;
    }
    if (!isBytes(chunk)) {
      throw new TransformError(
        'invalid_source',
        'decodeText received a chunk that is neither a string nor a Uint8Array',
      );
    }
    if (chunk.length > 0) first = false;
    if (heldSurrogate !== '') {
      throw new TransformError(
        'invalid_encoding',
        `lone UTF-16 surrogate at character ${characters}`,
      );
    }
    let text: string;
    if (decoder === undefined) {
      head = concatBytes(head, chunk);
      if (!sniffBom(head, false).decided) continue;
      text = flushBytes();
    } else {
      text = decoder.decode(chunk, offset);
      offset += chunk.length;
    }
    if (text !== '') yield text;
  }
  if (heldSurrogate !== '') {
    throw new TransformError(
      'invalid_encoding',
      `lone UTF-16 surrogate at character ${characters}`,
    );
  }
  let text = flushBytes();
  if (decoder) text += (decoder as StreamDecoder).finish(offset);
  if (text !== '') yield text;
}

// Without the u flag the pattern sees code units: a high surrogate not followed by a low one,
// or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkWellFormed(text: string, base: number): void {
  const found = LONE_SURROGATE.exec(text);
  if (found === null) return;
  for (let i = found.index; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      throw new TransformError(
        'invalid_encoding',
        `lone UTF-16 surrogate at character ${base + i}`,
      );
    }
  }
}

function sniffBom(
  head: Uint8Array,
  atEnd: boolean,
): { decided: boolean; encoding: TextEncodingName; bomLength: number } {
  const [a, b, c] = head;
  if (a === 0xef) {
    if (head.length >= 3 || atEnd) {
      const bom = b === 0xbb && c === 0xbf;
      return { decided: true, encoding: 'utf-8', bomLength: bom ? 3 : 0 };
    }
    if (b !== undefined && b !== 0xbb) return { decided: true, encoding: 'utf-8', bomLength: 0 };
    return { decided: false, encoding: 'utf-8', bomLength: 0 };
  }
  if (a === 0xff || a === 0xfe) {
    if (b === undefined && !atEnd) return { decided: false, encoding: 'utf-8', bomLength: 0 };
    if (a === 0xff && b === 0xfe) return { decided: true, encoding: 'utf-16le', bomLength: 2 };
    if (a === 0xfe && b === 0xff) return { decided: true, encoding: 'utf-16be', bomLength: 2 };
  }
  if (a === undefined && !atEnd) return { decided: false, encoding: 'utf-8', bomLength: 0 };
  return { decided: true, encoding: 'utf-8', bomLength: 0 };
}

function makeDecoder(encoding: TextEncodingName, declared: boolean): StreamDecoder {
  if (encoding === 'latin1') {
    return {
      decode: (bytes) => latin1(bytes),
      finish: () => '',
    };
  }
  // A declared encoding drops its own BOM (as TextDecoder does); after sniffing, the BOM is gone
  // already and a second U+FEFF is data.
  const decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: !declared });
  // The last bytes seen, so that an error can be located even when it starts in an earlier chunk.
  let tail: Uint8Array = new Uint8Array(0);
  const locate = (bytes: Uint8Array, offset: number, atEnd: boolean): TransformError => {
    const joined = concatBytes(tail, bytes);
    const base = offset - tail.length;
    const found =
      encoding === 'utf-8'
        ? findInvalidUtf8(joined, base, atEnd)
        : findInvalidUtf16(joined, base, encoding === 'utf-16le', atEnd);
    return new TransformError(
      'invalid_encoding',
      `${found.truncated ? 'truncated' : 'invalid'} ${encoding === 'utf-8' ? 'UTF-8' : 'UTF-16'} ${
        found.surrogate ? 'surrogate' : 'sequence'
      } at byte ${found.offset}`,
    );
  };
  return {
    decode(bytes, offset) {
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: true });
      } catch {
        throw locate(bytes, offset, false);
      }
      tail = keepTail(tail, bytes);
      return text;
    },
    finish(offset) {
      try {
        return decoder.decode();
      } catch {
        throw locate(new Uint8Array(0), offset, true);
      }
    },
  };
}

function keepTail(tail: Uint8Array, bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 4) return bytes.slice(bytes.length - 4);
  const joined = concatBytes(tail, bytes);
  return joined.slice(Math.max(0, joined.length - 4));
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += LATIN1_SLICE) {
    text += String.fromCharCode(...bytes.subarray(i, i + LATIN1_SLICE));
  }
  return text;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return new Uint8Array(b);
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

/**
 * Turns a stream of strings into bytes of the given encoding. A lone surrogate throws
 * `invalid_encoding` and, for latin1, a character above U+00FF throws `not_representable`;
 * both name the character offset from the start of the stream.
 */
export function encodeText(
  text: AsyncIterable<string>,
  encoding: TextEncodingName,
  options?: EncodeTextOptions,
): AsyncIterable<Uint8Array> {
  const resolved = resolveEncoding(encoding, false) as TextEncodingName;
  const bom = options?.bom ?? false;
  if (typeof bom !== 'boolean') throw new TransformError('invalid_option', 'bom must be a boolean');
  if (bom && resolved === 'latin1') {
    throw new TransformError('invalid_option', 'latin1 has no byte order mark');
  }
  requireAsyncIterable(text, 'encodeText');
  return encodeChunks(text, resolved, bom);
}

async function* encodeChunks(
  source: AsyncIterable<string>,
  encoding: TextEncodingName,
  bom: boolean,
): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  let characters = 0;
  let held = '';
  if (bom) yield encodeString('\ufeff', encoding, encoder, 0);
  for await (const chunk of source) {
    if (typeof chunk !== 'string') {
      throw new TransformError(
        'invalid_source',
        'encodeText received a chunk that is not a string',
      );
    }
    let text = held + chunk;
    held = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      held = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (text === '') continue;
    checkWellFormed(text, characters);
    const bytes = encodeString(text, encoding, encoder, characters);
    characters += text.length;
    yield bytes;
  }
  if (held !== '') {
    throw new TransformError(
      'invalid_encoding',
      `lone UTF-16 surrogate at character ${characters}`,
    );
  }
}

function encodeString(
  text: string,
  encoding: TextEncodingName,
  encoder: { encode(text: string): Uint8Array },
  base: number,
): Uint8Array {
  if (encoding === 'utf-8') return encoder.encode(text);
  if (encoding === 'latin1') {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) {
        throw new TransformError(
          'not_representable',
          `character ${base + i} is not representable in latin1`,
        );
      }
      bytes[i] = c;
    }
    return bytes;
  }
  const bytes = new Uint8Array(text.length * 2);
  const little = encoding === 'utf-16le';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes[2 * i + (little ? 0 : 1)] = c & 0xff;
    bytes[2 * i + (little ? 1 : 0)] = c >> 8;
  }
  return bytes;
}
