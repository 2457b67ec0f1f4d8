import { LOG_LEVELS, type LogLevel } from './levels.js';
import { Fields } from './internal/fields.js';

export const LOG_LINE_VERSION = 1;

/** One line written by the JSON logger: these fields, then any structured fields. */
export interface LogLineV1 {
  v: 1;
  /** ISO 8601 */
  time: string;
  level: LogLevel;
  service: string;
  msg: string;
  [field: string]: unknown;
}

/** Field names the logger owns; structured fields with these names are written as `_<name>`. */
export const RESERVED_LOG_LINE_FIELDS: readonly string[] = Object.freeze([
  'v',
  'time',
  'level',
  'service',
  'msg',
]);

const SUBJECT = { code: 'INVALID_LOG_LINE', name: 'log line' } as const;

/** Parses and validates one JSON log line; structured fields are kept as they are. */
export function parseLogLine(line: string): LogLineV1 {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    parsed = undefined;
  }
  const fields = Fields.of(parsed, { ...SUBJECT, name: 'log line (a JSON object)' });
  fields.version(LOG_LINE_VERSION);
  fields.time('time');
  fields.oneOf('level', LOG_LEVELS);
  if (fields.string('service') === '') fields.fail('service', 'must not be empty');
  fields.string('msg', Number.POSITIVE_INFINITY);
  return fields.all as LogLineV1;
}
