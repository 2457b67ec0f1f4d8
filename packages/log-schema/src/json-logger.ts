import { createRedactor, type Redactor } from '@weft/crypto';
import { LogSchemaError } from './errors.js';
import { LOG_LEVELS, isLogLevel, severityOf, type LogLevel } from './levels.js';
import type { Logger } from './logger.js';
import { LOG_LINE_VERSION, RESERVED_LOG_LINE_FIELDS } from './log-line.js';
import { jsonReplacer, setField, withSerializedErrors } from './internal/line-format.js';

export interface JsonLoggerOptions {
  /** Written on every line, e.g. `control-plane`. */
  service: string;
  /** Lines below this level are dropped. Default `info`. */
  level?: LogLevel;
  /** Receives each line without its trailing newline. Default: process.stdout, one line each. */
  write?: (line: string) => void;
  /** Known secrets to mask wherever they appear. */
  secretValues?: Iterable<string>;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface JsonLogger extends Logger {
  child(bindings: Record<string, unknown>): JsonLogger;
  /** Registers more secrets to mask; shared with the parent and every child. */
  addSecretValues(values: Iterable<string>): void;
}

/** What every logger of one family shares, resolved once from the options. */
interface LoggerCore {
  service: string;
  threshold: number;
  write: (line: string) => void;
  now: () => Date;
  redactor: Redactor;
}

const RESERVED = new Set(RESERVED_LOG_LINE_FIELDS);

/**
 * A Logger writing one JSON object per line (`LogLineV1`). Everything but the line's own
 * fields goes through @weft/crypto's redactor: secret keys, known secret values and
 * secret patterns are masked in `msg`, fields, bindings and error stacks. A log call
 * never throws: unserializable fields and a failing sink are absorbed.
 */
export function createJsonLogger(options: JsonLoggerOptions): JsonLogger {
  const { service, level = 'info' } = options ?? ({} as JsonLoggerOptions);
  if (typeof service !== 'string' || service.trim() === '') {
    throw invalidOption('service', 'must be a non-empty string');
  }
  if (!isLogLevel(level)) throw invalidOption('level', `must be one of ${LOG_LEVELS.join(', ')}`);
  const core: LoggerCore = {
    service,
    threshold: severityOf(level),
    write: options.write ?? writeToStdout,
    now: options.now ?? (() => new Date()),
    redactor: createRedactor(options.secretValues ? { secretValues: options.secretValues } : {}),
  };
  return loggerWith(core, {});
}

function loggerWith(core: LoggerCore, bindings: Record<string, unknown>): JsonLogger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (severityOf(level) >= core.threshold) emit(core, level, msg, bindings, fields);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (more) => loggerWith(core, { ...bindings, ...asFields(more) }),
    addSecretValues: (values) => core.redactor.addSecretValues(values),
  };
}

function emit(
  core: LoggerCore,
  level: LogLevel,
  msg: unknown,
  bindings: Record<string, unknown>,
  fields: unknown,
): void {
  let line: string;
  const header = () => ({
    v: LOG_LINE_VERSION,
    time: timestamp(core),
    level,
    service: core.service,
    msg: core.redactor.redactString(printable(msg)),
  });
  try {
    const record: Record<string, unknown> = header();
    const extra = core.redactor.redact(withSerializedErrors({ ...bindings, ...asFields(fields) }));
    for (const [key, value] of Object.entries(extra)) {
      setField(record, RESERVED.has(key) ? `_${key}` : key, value);
    }
    line = JSON.stringify(record, jsonReplacer);
  } catch {
    // Still say that something was logged, without the fields that could not be written.
    try {
      line = JSON.stringify({ ...header(), logError: 'fields could not be serialized' });
    } catch {
      return;
    }
  }
  try {
    core.write(line);
  } catch {
    // A broken sink must not take the application down with it.
  }
}

function timestamp(core: LoggerCore): string {
  try {
    return core.now().toISOString();
  } catch {
    return new Date().toISOString();
  }
}

function printable(msg: unknown): string {
  if (typeof msg === 'string') return msg;
  try {
    return String(msg);
  } catch {
    return '[unprintable message]';
  }
}

/** A shallow copy of caller-supplied fields; anything unreadable counts as no fields. */
function asFields(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return {};
  try {
    return { ...value };
  } catch {
    return {};
  }
}

function writeToStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

function invalidOption(field: string, expectation: string): LogSchemaError {
  return new LogSchemaError(
    'INVALID_LOGGER_OPTIONS',
    `Invalid logger options: "${field}" ${expectation}`,
    field,
  );
}
