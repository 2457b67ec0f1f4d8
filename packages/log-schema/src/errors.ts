const LOG_SCHEMA_ERROR_BRAND = Symbol.for('weft.log-schema.error');

/** Why a record or logger configuration was refused; one code per kind of record. */
export const LOG_SCHEMA_ERROR_CODES = [
  'INVALID_LOG_LINE',
  'INVALID_AUDIT_EVENT',
  'INVALID_ACTIVITY_RECORD',
  'INVALID_ACTIVITY_DETAIL',
  'INVALID_AGENT_LOG_LINE',
  'INVALID_LOGGER_OPTIONS',
] as const;

export type LogSchemaErrorCode = (typeof LOG_SCHEMA_ERROR_CODES)[number];

/**
 * A record failed validation. `field` is the path of the offending field (`actor.type`),
 * or undefined when the record as a whole is wrong. Messages never contain the offending
 * value: records carry user data, and the error may itself be logged.
 */
export class LogSchemaError extends Error {
  readonly [LOG_SCHEMA_ERROR_BRAND] = true;
  readonly code: LogSchemaErrorCode;
  readonly field: string | undefined;

  constructor(code: LogSchemaErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'LogSchemaError';
    this.code = code;
    this.field = field;
  }

  static is(value: unknown): value is LogSchemaError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[LOG_SCHEMA_ERROR_BRAND] === true
    );
  }
}
