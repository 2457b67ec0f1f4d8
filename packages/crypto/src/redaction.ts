import {
  DEFAULT_SECRET_KEY_PATTERN,
  DEFAULT_SECRET_VALUE_PATTERNS,
  REDACTED,
} from './redaction-patterns.js';
import { CryptoError } from './errors.js';
import { copyRedacted } from './internal/copy-redacted.js';
import { SecretValueSet } from './internal/secret-values.js';

export interface RedactorOptions {
  /** Known secrets (e.g. decrypted credentials) to mask wherever they appear. Values under 4 characters are ignored. */
  secretValues?: Iterable<string>;
  /** Keys whose values are replaced whole. Replaces DEFAULT_SECRET_KEY_PATTERN. */
  keyPattern?: RegExp;
  /** Patterns masked inside strings. Replaces DEFAULT_SECRET_VALUE_PATTERNS; spread it to extend. */
  valuePatterns?: RegExp[];
}

export interface Redactor {
  /**
   * A deep copy of `value` that is safe to log. Plain objects, arrays, Maps, Sets and Dates
   * keep their shape; Errors become `{ name, message, code?, cause? }`; binary data
   * becomes a `[Binary N bytes]` summary; objects with `toJSON` are replaced by its result;
   * cycles become `[Circular]`.
   */
  redact<T>(value: T): T;
  /** Masks known secret values, then each value pattern, in one string. */
  redactString(s: string): string;
  /** Registers more known secrets; every copy of this redactor (e.g. child loggers) sees them. */
  addSecretValues(values: Iterable<string>): void;
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const keyPattern = withFlags(options.keyPattern ?? DEFAULT_SECRET_KEY_PATTERN, '');
  const valuePatterns = (options.valuePatterns ?? DEFAULT_SECRET_VALUE_PATTERNS).map((pattern) =>
    // `g` to find every match, `d` to learn where the `secret` group sits inside it.
    withFlags(pattern, 'gd'),
  );
  const secretValues = new SecretValueSet();
  if (options.secretValues) secretValues.add(options.secretValues);

  const redactString = (s: string): string => {
    let result = secretValues.mask(s, REDACTED);
    for (const pattern of valuePatterns) result = maskPattern(result, pattern);
    return result;
  };

  return {
    redact: <T>(value: T): T =>
      copyRedacted(value, {
        isSecretKey: (key) => keyPattern.test(key),
        redactString,
        redacted: REDACTED,
      }) as T,
    redactString,
    addSecretValues: (values) => secretValues.add(values),
  };
}

function maskPattern(input: string, pattern: RegExp): string {
  let output = '';
  let copiedUpTo = 0;
  for (const match of input.matchAll(pattern)) {
    const hasSecretGroup = match.groups !== undefined && 'secret' in match.groups;
    const [start, end] = hasSecretGroup
      ? (match.indices?.groups?.secret ?? [0, 0]) // group absent from this match: nothing to mask
      : [match.index, match.index + match[0].length];
    if (start === end) continue;
    output += input.slice(copiedUpTo, start) + REDACTED;
    copiedUpTo = end;
  }
  return output === '' ? input : output + input.slice(copiedUpTo);
}

/** A private copy with the wanted flags: callers' regexes keep their own `lastIndex` state. */
function withFlags(pattern: RegExp, flags: string): RegExp {
  if (!(pattern instanceof RegExp)) {
    throw new CryptoError('INVALID_INPUT', 'Redaction patterns must be regular expressions');
  }
  const kept = [...pattern.flags].filter((flag) => flag !== 'g' && flag !== 'y' && flag !== 'd');
  return new RegExp(pattern.source, [...new Set([...kept, ...flags])].join(''));
}
