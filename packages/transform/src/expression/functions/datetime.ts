// Date/time functions: $now, $millis, $fromMillis, $toMillis. The clock is the evaluation's
// fixed `context.now`, so every call in one evaluation sees the same instant.

import type { NativeFunction } from '../contract.js';
import { define } from './define.js';
import { parseDateTime } from './datetime-parse.js';
import { formatDateTime } from './datetime-picture.js';
import { fail, quote } from './values.js';

const ISO_8601 =
  /^\d{4}(-[01]\d)?(-[0-3]\d)?(T[0-2]\d:[0-5]\d:[0-5]\d)?(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$/;

function toMillis(timestamp: string, picture: string | undefined, now: number): number | undefined {
  if (picture !== undefined) return parseDateTime(timestamp, picture, now);
  if (!ISO_8601.test(timestamp)) {
    fail(
      'D3110',
      `The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given ${quote(timestamp)}`,
      {
        value: timestamp,
      },
    );
  }
  return Date.parse(timestamp);
}

export const DATETIME_FUNCTIONS: readonly NativeFunction[] = [
  define('now', '<s?s?:s>', ([picture, timezone], context) =>
    formatDateTime(context.now, picture as string | undefined, timezone as string | undefined),
  ),
  define('millis', '<:n>', (_args, context) => context.now),
  define('fromMillis', '<n-s?s?:s>', ([millis, picture, timezone]) =>
    millis === undefined
      ? undefined
      : formatDateTime(
          millis as number,
          picture as string | undefined,
          timezone as string | undefined,
        ),
  ),
  define('toMillis', '<s-s?:n>', ([timestamp, picture], context) =>
    timestamp === undefined
      ? undefined
      : toMillis(timestamp as string, picture as string | undefined, context.now),
  ),
];
