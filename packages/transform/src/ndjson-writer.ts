import { TransformError } from './errors.js';
import { quotedName } from './internal/short-name.js';

function notSerializable(
  record: number,
  what: string,
  key: string,
  holder: unknown,
): TransformError {
  const where =
    key === '' ? '' : Array.isArray(holder) ? ` (at index ${key})` : ` (at key ${quotedName(key)})`;
  return new TransformError(
    'not_json_serializable',
    `record ${record}: ${what} is not JSON-representable${where}`,
  );
}

/**
 * JSON.stringify drops or rewrites some values without a word (a function vanishes, NaN turns
 * into null, a Map into {}), and throws on others with messages that may quote property names
 * only. Every such case becomes a TransformError here. An object property whose value is
 * `undefined` is the one exception: it is left out, as JSON has no undefined.
 */
function serializeRecord(value: unknown, record: number): string {
  function replacer(this: unknown, key: string, item: unknown): unknown {
    switch (typeof item) {
      case 'bigint':
        throw notSerializable(record, 'a BigInt', key, this);
      case 'function':
        throw notSerializable(record, 'a function', key, this);
      case 'symbol':
        throw notSerializable(record, 'a symbol', key, this);
      case 'number':
        if (!Number.isFinite(item))
          throw notSerializable(record, `the number ${String(item)}`, key, this);
        return item;
      case 'undefined':
        if (key === '' || Array.isArray(this))
          throw notSerializable(record, 'undefined', key, this);
        return item;
      case 'object':
        if (item instanceof Map || item instanceof Set) {
          throw notSerializable(record, `a ${item instanceof Map ? 'Map' : 'Set'}`, key, this);
        }
        return item;
      default:
        return item;
    }
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value, replacer);
  } catch (error) {
    if (TransformError.is(error)) throw error;
    if (error instanceof TypeError && /circular/i.test(error.message)) {
      throw new TransformError(
        'not_json_serializable',
        `record ${record}: contains a circular reference`,
      );
    }
    if (error instanceof RangeError)
      throw new TransformError(
        'not_json_serializable',
        `record ${record}: nested deeper than JSON.stringify can go`,
      );
    // A throwing toJSON() or getter: keep the original as the cause, out of the message.
    throw new TransformError('not_json_serializable', `record ${record}: could not be serialized`, {
      cause: error,
    });
  }
  // The replacer rejects every top-level value that would make stringify return undefined.
  return text as string;
}

/**
 * Writes records as newline-delimited JSON: one string per record, each ending in "\n".
 * Throws (from the iteration) a TransformError with code `not_json_serializable`, naming the
 * record (numbered from 1) and the key, for a value JSON cannot represent faithfully: BigInt,
 * cycles, functions, symbols, NaN and ±Infinity, Map and Set, undefined as a record or array item.
 */
export function writeNdjson(
  records: AsyncIterable<unknown> | Iterable<unknown>,
): AsyncIterable<string> {
  const iterable = records as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null;
  if (
    typeof records === 'string' ||
    (typeof iterable?.[Symbol.asyncIterator] !== 'function' &&
      typeof iterable?.[Symbol.iterator] !== 'function')
  ) {
    throw new TransformError(
      'invalid_source',
      'writeNdjson needs an iterable or async iterable of records',
    );
  }
  return writeLines(records);
}

async function* writeLines(
  records: AsyncIterable<unknown> | Iterable<unknown>,
): AsyncGenerator<string> {
  let record = 0;
  for await (const value of records) {
    record += 1;
    yield `${serializeRecord(value, record)}\n`;
  }
}
