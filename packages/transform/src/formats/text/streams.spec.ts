// Test helpers shared by the format tests (a .spec.ts file: left out of the build, not a test).
import { TransformError } from '../../errors.js';
import type { RecordResult } from '../../ndjson-reader.js';

export async function* chunksOf<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** `text` as UTF-8 bytes cut at every offset into two chunks, plus one chunk per byte. */
export function* everySplit(text: string): Generator<Uint8Array[]> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i <= bytes.length; i++) yield [bytes.subarray(0, i), bytes.subarray(i)];
  yield Array.from(bytes, (b) => Uint8Array.of(b));
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

export async function join(iterable: AsyncIterable<string>): Promise<string> {
  return (await collect(iterable)).join('');
}

export async function failure(promise: Promise<unknown>): Promise<TransformError> {
  try {
    await promise;
  } catch (error) {
    if (TransformError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a TransformError');
}

export function records(results: readonly RecordResult[]): unknown[] {
  return results.map((r) => (r.ok ? r.record : { failed: r.line, reason: r.reason }));
}

/** A source that counts what was read and whether it was released. */
export function trackedSource(chunks: () => Iterable<string | Uint8Array>): {
  source: AsyncIterable<string | Uint8Array>;
  state: { pulled: number; released: boolean };
} {
  const state = { pulled: 0, released: false };
  async function* generate(): AsyncGenerator<string | Uint8Array> {
    try {
      for (const chunk of chunks()) {
        state.pulled++;
        yield chunk;
      }
    } finally {
      state.released = true;
    }
  }
  return { source: generate(), state };
}
