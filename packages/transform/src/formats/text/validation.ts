/**
 * Locates the first bad sequence once TextDecoder has rejected some bytes (it does not say
 * where). Only run on the error path, so it favours clarity over speed.
 */
export interface InvalidSequence {
  /** Byte offset from the start of the stream. */
  readonly offset: number;
  /** The input ended inside a sequence. */
  readonly truncated: boolean;
  readonly surrogate: boolean;
}

const isContinuation = (b: number | undefined): boolean => b !== undefined && (b & 0xc0) === 0x80;

/** The allowed range of the second byte for each lead byte (WHATWG / Unicode table 3-7). */
function secondByteRange(lead: number): readonly [number, number, number] | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return [1, 0x80, 0xbf];
  if (lead === 0xe0) return [2, 0xa0, 0xbf];
  if (lead === 0xed) return [2, 0x80, 0x9f];
  if (lead >= 0xe1 && lead <= 0xef) return [2, 0x80, 0xbf];
  if (lead === 0xf0) return [3, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [3, 0x80, 0xbf];
  if (lead === 0xf4) return [3, 0x80, 0x8f];
  return undefined;
}

/**
 * `bytes` starts `base` bytes into the stream; when base > 0 its first bytes may finish a
 * sequence that began earlier and already decoded, so scanning starts at the first lead byte.
 */
export function findInvalidUtf8(bytes: Uint8Array, base: number, atEnd: boolean): InvalidSequence {
  let i = 0;
  if (base > 0) while (i < 3 && isContinuation(bytes[i])) i++;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const range = secondByteRange(lead);
    if (range === undefined) return { offset: base + i, truncated: false, surrogate: false };
    const [continuations, low, high] = range;
    for (let k = 1; k <= continuations; k++) {
      const b = bytes[i + k];
      if (b === undefined) {
        return { offset: base + i, truncated: atEnd, surrogate: false };
      }
      const ok = k === 1 ? b >= low && b <= high : isContinuation(b);
      if (!ok) return { offset: base + i, truncated: false, surrogate: false };
    }
    i += continuations + 1;
  }
  return { offset: base + bytes.length, truncated: atEnd, surrogate: false };
}

export function findInvalidUtf16(
  bytes: Uint8Array,
  base: number,
  littleEndian: boolean,
  atEnd: boolean,
): InvalidSequence {
  const unitAt = (i: number): number =>
    littleEndian ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!;
  let i = base % 2;
  // A low surrogate first was paired with a high one already decoded.
  if (base > 0 && i + 1 < bytes.length) {
    const first = unitAt(i);
    if (first >= 0xdc00 && first <= 0xdfff) i += 2;
  }
  while (i + 1 < bytes.length) {
    const unit = unitAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (i + 3 >= bytes.length) return { offset: base + i, truncated: atEnd, surrogate: true };
      const next = unitAt(i + 2);
      if (next < 0xdc00 || next > 0xdfff)
        return { offset: base + i, truncated: false, surrogate: true };
      i += 4;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return { offset: base + i, truncated: false, surrogate: true };
    } else {
      i += 2;
    }
  }
  return { offset: base + i, truncated: atEnd, surrogate: false };
}
