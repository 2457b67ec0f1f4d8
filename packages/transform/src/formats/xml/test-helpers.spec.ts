// Shared by the XML tests (not exported from the package).
import type { RecordResult } from '../../ndjson-reader.js';
import { readXml, type XmlReadOptions } from './reader.js';

export async function* chunks<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}

export async function readAll(
  input: string | Uint8Array | readonly (string | Uint8Array)[],
  options: XmlReadOptions,
): Promise<RecordResult[]> {
  const pieces = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  const results: RecordResult[] = [];
  for await (const result of readXml(chunks(pieces), options)) results.push(result);
  return results;
}

/** The records of a read that must succeed throughout. */
export async function records(
  input: string | Uint8Array | readonly (string | Uint8Array)[],
  options: XmlReadOptions,
): Promise<unknown[]> {
  return (await readAll(input, options)).map((result) => {
    if (!result.ok) throw new Error(`unexpected failed record: ${result.reason}`);
    return result.record;
  });
}

/** The error a read ends with (undefined when it does not fail). */
export async function failure(
  input: string | Uint8Array | readonly (string | Uint8Array)[],
  options: XmlReadOptions,
): Promise<unknown> {
  try {
    await readAll(input, options);
  } catch (error) {
    return error;
  }
  return undefined;
}

export function split<T extends Uint8Array | string>(whole: T, at: readonly number[]): T[] {
  const bounds = [0, ...at, whole.length];
  return bounds.slice(1).map((end, i) => whole.slice(bounds[i], end) as T);
}
