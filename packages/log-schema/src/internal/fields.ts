import { LogSchemaError, type LogSchemaErrorCode } from '../errors.js';

/** Identifiers are bounded and free of whitespace and control characters. */
const MAX_ID_LENGTH = 256;
const ID = /^[^\s\p{Cc}]+$/u;
/** Generous for free text, but a misbehaving agent cannot send megabytes in one field. */
export const MAX_TEXT_LENGTH = 65_536;
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

interface Subject {
  code: LogSchemaErrorCode;
  /** "audit event", "activity record"… as used in messages. */
  name: string;
}

/**
 * Reads the fields of one untrusted record, failing with the path of the first bad field.
 * Optional fields accept `undefined` and `null` (database rows have nulls) and come back
 * as `undefined`. Messages describe the expectation, never the value received.
 */
export class Fields {
  private constructor(
    private readonly source: Record<string, unknown>,
    private readonly subject: Subject,
    private readonly prefix: string,
  ) {}

  static of(value: unknown, subject: Subject): Fields {
    if (!isPlainObject(value)) {
      throw new LogSchemaError(subject.code, `Invalid ${subject.name}: must be an object`);
    }
    return new Fields(value, subject, '');
  }

  /** The source object itself, for records that keep unknown fields. */
  get all(): Record<string, unknown> {
    return this.source;
  }

  fail(key: string, expectation: string): never {
    const path = this.prefix + key;
    throw new LogSchemaError(
      this.subject.code,
      `Invalid ${this.subject.name}: field "${path}" ${expectation}`,
      path,
    );
  }

  version(expected: 1): 1 {
    if (this.source.v !== expected) this.fail('v', `must be ${expected}`);
    return expected;
  }

  nested(key: string): Fields {
    const value = this.source[key];
    if (!isPlainObject(value)) this.fail(key, 'must be an object');
    return new Fields(value, this.subject, `${this.prefix}${key}.`);
  }

  string(key: string, maxLength = MAX_TEXT_LENGTH): string {
    const value = this.source[key];
    if (typeof value !== 'string') this.fail(key, 'must be a string');
    if (value.length > maxLength) this.fail(key, `must be at most ${maxLength} characters`);
    return value;
  }

  optionalString(key: string, maxLength = MAX_TEXT_LENGTH): string | undefined {
    return this.isAbsent(key) ? undefined : this.string(key, maxLength);
  }

  id(key: string): string {
    const value = this.string(key, MAX_ID_LENGTH);
    if (!ID.test(value)) this.fail(key, 'must be a non-empty identifier without whitespace');
    return value;
  }

  optionalId(key: string): string | undefined {
    return this.isAbsent(key) ? undefined : this.id(key);
  }

  /** An ISO 8601 timestamp with a time zone, for a date that exists (no February 30th). */
  time(key: string): string {
    const value = this.string(key, 64);
    const parts = ISO_TIME.exec(value);
    if (!parts || !isRealDateTime(parts) || Number.isNaN(Date.parse(value))) {
      this.fail(key, 'must be an ISO 8601 date-time with a time zone');
    }
    return value;
  }

  optionalTime(key: string): string | undefined {
    return this.isAbsent(key) ? undefined : this.time(key);
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.source[key];
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(key, `must be one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  /** A count of things: a non-negative safe integer. */
  count(key: string): number {
    const value = this.source[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      this.fail(key, 'must be a non-negative integer');
    }
    return value;
  }

  /** A positive whole number (a sequence number, a revision). */
  positive(key: string): number {
    const value = this.count(key);
    if (value < 1) this.fail(key, 'must be a positive integer');
    return value;
  }

  optionalPositive(key: string): number | undefined {
    return this.isAbsent(key) ? undefined : this.positive(key);
  }

  optionalOneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    return this.isAbsent(key) ? undefined : this.oneOf(key, allowed);
  }

  optionalObject(key: string): Record<string, unknown> | undefined {
    if (this.isAbsent(key)) return undefined;
    const value = this.source[key];
    if (!isPlainObject(value)) this.fail(key, 'must be an object');
    return value;
  }

  private isAbsent(key: string): boolean {
    const value = this.source[key];
    return value === undefined || value === null;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // A root prototype rather than `Object.prototype` itself, so that plain objects made in
  // another realm (a vm context, structuredClone under a test runner) are accepted too.
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

function isRealDateTime(parts: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 59) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
