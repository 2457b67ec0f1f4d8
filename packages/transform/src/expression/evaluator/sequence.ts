// Sequences and the two internal marks the evaluator puts on arrays: tuple streams (paths
// carrying `@`, `#` and `%` bindings) and constructed arrays (`[...]`, never flattened).
import { isSequence, type Sequence } from '../contract.js';

const TUPLE_STREAM = Symbol('weft.expression.tuple-stream');
const CONSTRUCTED = Symbol('weft.expression.constructed-array');

export type Tuple = Record<string, unknown>;

export { isSequence, type Sequence };

const SEQUENCE_BRAND = Symbol.for('weft.transform.sequence');

/**
 * The evaluator's own sequences are plain arrays with the contract's brand as a non-enumerable
 * own property (invisible to JSON, keys and equality), so `concat`, `map`, `filter` and
 * `slice` of a sequence give plain arrays, as in the reference. (An Array subclass carrying the
 * brand on its prototype was tried: V8 constructs and grows those several times slower.)
 */
const BRAND: PropertyDescriptor = Object.freeze({ value: true, enumerable: false });

export function createSequence<T = unknown>(): Sequence<T> {
  const sequence: T[] = [];
  Object.defineProperty(sequence, SEQUENCE_BRAND, BRAND);
  return sequence as Sequence<T>;
}

export function sequenceOf(item: unknown): Sequence {
  const sequence = createSequence<unknown>();
  sequence.push(item);
  return sequence;
}

export function createTupleStream(): Sequence<Tuple> {
  const stream = createSequence<Tuple>();
  Object.defineProperty(stream, TUPLE_STREAM, { value: true });
  return stream;
}

export function isTupleStream(value: unknown): value is Sequence<Tuple> {
  return Array.isArray(value) && TUPLE_STREAM in value;
}

export function markConstructed(array: unknown[]): void {
  Object.defineProperty(array, CONSTRUCTED, { value: true });
}

export function isConstructed(value: unknown[]): boolean {
  return CONSTRUCTED in value;
}

export function newTuple(): Tuple {
  return Object.create(null) as Tuple;
}

/**
 * What a sequence becomes when it leaves an expression: nothing when empty, the item itself
 * when it holds one (unless it must stay an array), the sequence otherwise.
 */
export function normalize(result: unknown, keepArray: boolean): unknown {
  if (Array.isArray(result) && isSequence(result) && !(TUPLE_STREAM in result)) {
    if (keepArray) result.keepSingleton = true;
    if (result.length === 0) return undefined;
    if (result.length === 1) return result.keepSingleton ? result : result[0];
  }
  return result;
}
