// The JSONata function library, as the core sees it: every built-in function by name (without
// the `$`), and the signature validation the core runs before each native call.

import type { NativeFunction } from '../contract.js';
import { ARRAY_FUNCTIONS } from './arrays.js';
import { DATETIME_FUNCTIONS } from './datetime.js';
import { HIGHER_ORDER_FUNCTIONS } from './higher-order.js';
import { INTEGER_PICTURE_FUNCTIONS } from './integer-picture.js';
import { MATCHING_FUNCTIONS } from './matching.js';
import { NUMBER_PICTURE_FUNCTIONS } from './number-picture.js';
import { NUMBER_FUNCTIONS } from './numbers.js';
import { OBJECT_FUNCTIONS } from './objects.js';
import { STRING_FUNCTIONS } from './strings.js';

export { parseSignature, validateArguments, type ParsedSignature } from './signature.js';
/** `$string`'s conversion and `$clone`, for the core's string concatenation and transform operator. */
export { castString } from './strings.js';
export { clone } from './objects.js';
/** The stable merge sort `$sort` uses (`swap(a, b)` true means b sorts first), for order-by. */
export { mergeSort } from './arrays.js';
/** JSONata's effective boolean value and deep equality, shared with the core's operators. */
export { deepEqual, toBoolean } from './values.js';

/** Every built-in function, keyed by name without the `$` (e.g. `substring`). */
export const STANDARD_FUNCTIONS: ReadonlyMap<string, NativeFunction> = new Map(
  [
    ...STRING_FUNCTIONS,
    ...MATCHING_FUNCTIONS,
    ...NUMBER_FUNCTIONS,
    ...NUMBER_PICTURE_FUNCTIONS,
    ...INTEGER_PICTURE_FUNCTIONS,
    ...ARRAY_FUNCTIONS,
    ...OBJECT_FUNCTIONS,
    ...HIGHER_ORDER_FUNCTIONS,
    ...DATETIME_FUNCTIONS,
  ].map((fn) => [fn.name, fn]),
);
