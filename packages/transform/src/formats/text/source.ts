import { TransformError } from '../../errors.js';

/** Throws invalid_source unless `source` is an async iterable (checked before reading starts). */
export function requireAsyncIterable(source: unknown, caller: string): void {
  if (
    typeof (source as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] !== 'function'
  ) {
    throw new TransformError(
      'invalid_source',
      `${caller} needs an async iterable of strings or Uint8Array chunks`,
    );
  }
}

/** Throws invalid_source unless `records` is an iterable or async iterable (not a string). */
export function requireRecords(records: unknown, caller: string): void {
  const iterable = records as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null;
  if (
    typeof records === 'string' ||
    (typeof iterable?.[Symbol.asyncIterator] !== 'function' &&
      typeof iterable?.[Symbol.iterator] !== 'function')
  ) {
    throw new TransformError(
      'invalid_source',
      `${caller} needs an iterable or async iterable of records`,
    );
  }
}

// By tag rather than instanceof: chunks may come from another realm (worker, vm context).
export function isBytes(value: unknown): value is Uint8Array {
  return (
    ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]'
  );
}
