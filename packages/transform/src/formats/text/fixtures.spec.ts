// Opens files under test/fixtures as Node streams of Buffers (a .spec.ts helper, not a test).
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function fixture(relative: string, highWaterMark = 7): AsyncIterable<Uint8Array> {
  // Tiny chunks on purpose: real files cut through characters, quotes and line breaks.
  const path = fileURLToPath(new URL(`../../../test/fixtures/${relative}`, import.meta.url));
  return createReadStream(path, { highWaterMark });
}
