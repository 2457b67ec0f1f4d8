import { randomBytes } from 'node:crypto';
import { jest } from '@jest/globals';
import { REDACTED } from '@weft/crypto';
import {
  LogSchemaError,
  createJsonLogger,
  noopLogger,
  parseLogLine,
  type LogLineV1,
} from './index.js';

const FIXED_TIME = new Date('2024-06-01T12:00:00.000Z');
const secret = () => randomBytes(12).toString('base64url');

function capture(options: Partial<Parameters<typeof createJsonLogger>[0]> = {}) {
  const lines: string[] = [];
  const logger = createJsonLogger({
    service: 'test-service',
    write: (line) => lines.push(line),
    now: () => FIXED_TIME,
    ...options,
  });
  const records = (): LogLineV1[] => lines.map((line) => parseLogLine(line));
  return { logger, lines, records };
}

describe('createJsonLogger: lines', () => {
  it('writes one parseable JSON object per call, with version, time, level, service and msg', () => {
    const { logger, lines, records } = capture();
    logger.info('started', { port: 8080 });
    logger.warn('slow');
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
    expect(records()).toEqual([
      {
        v: 1,
        time: '2024-06-01T12:00:00.000Z',
        level: 'info',
        service: 'test-service',
        msg: 'started',
        port: 8080,
      },
      {
        v: 1,
        time: '2024-06-01T12:00:00.000Z',
        level: 'warn',
        service: 'test-service',
        msg: 'slow',
      },
    ]);
  });

  it('keeps a multi-line message on one line', () => {
    const { logger, lines, records } = capture();
    logger.info('first\nsecond\r\nthird');
    expect(lines[0]).not.toMatch(/[\r\n]/);
    expect(records()[0]?.msg).toBe('first\nsecond\r\nthird');
  });

  it('writes to stdout with a newline by default', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      createJsonLogger({ service: 'stdout-service' }).info('hello');
      expect(write).toHaveBeenCalledTimes(1);
      const output = String(write.mock.calls[0]?.[0]);
      expect(output.endsWith('\n')).toBe(true);
      expect(parseLogLine(output.trimEnd())).toMatchObject({
        service: 'stdout-service',
        msg: 'hello',
      });
    } finally {
      write.mockRestore();
    }
  });

  it('renames structured fields that would overwrite the line’s own fields', () => {
    const { logger, records } = capture();
    logger.info('real message', { msg: 'fake', level: 'fatal', v: 2, service: 'other', time: 'x' });
    expect(records()[0]).toMatchObject({
      v: 1,
      level: 'info',
      msg: 'real message',
      service: 'test-service',
      _msg: 'fake',
      _level: 'fatal',
      _v: 2,
      _service: 'other',
      _time: 'x',
    });
  });
});

describe('createJsonLogger: levels', () => {
  const emitAll = (logger: ReturnType<typeof createJsonLogger>) => {
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
  };

  it('drops debug by default', () => {
    const { logger, records } = capture();
    emitAll(logger);
    expect(records().map((r) => r.level)).toEqual(['info', 'warn', 'error', 'fatal']);
  });

  it.each([
    ['debug', ['debug', 'info', 'warn', 'error', 'fatal']],
    ['warn', ['warn', 'error', 'fatal']],
    ['fatal', ['fatal']],
  ] as const)('at level %s writes %p', (level, expected) => {
    const { logger, records } = capture({ level });
    emitAll(logger);
    emitAll(logger.child({ scope: 'child' }));
    expect(records().map((r) => r.level)).toEqual([...expected, ...expected]);
  });

  it('refuses an unknown level or an empty service name, naming the option', () => {
    const attempt = (options: Parameters<typeof createJsonLogger>[0]) => {
      try {
        createJsonLogger(options);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const badLevel = attempt({ service: 's', level: 'verbose' as never });
    expect(LogSchemaError.is(badLevel)).toBe(true);
    expect(badLevel).toMatchObject({ code: 'INVALID_LOGGER_OPTIONS', field: 'level' });
    expect(attempt({ service: ' ' })).toMatchObject({
      code: 'INVALID_LOGGER_OPTIONS',
      field: 'service',
    });
  });
});

describe('createJsonLogger: child loggers', () => {
  it('merges bindings into every line, with call fields winning', () => {
    const { logger, records } = capture();
    const request = logger.child({ requestId: 'r-1', orgId: 'o-1' });
    const step = request.child({ step: 'read', orgId: 'o-2' });
    step.info('reading', { step: 'read-page' });
    request.info('done');
    logger.info('root');
    const [fromStep, fromRequest, fromRoot] = records();
    expect(fromStep).toMatchObject({ requestId: 'r-1', orgId: 'o-2', step: 'read-page' });
    expect(fromRequest).toMatchObject({ requestId: 'r-1', orgId: 'o-1' });
    expect(fromRequest).not.toHaveProperty('step');
    expect(fromRoot).not.toHaveProperty('requestId');
  });

  it('copies bindings when the child is made', () => {
    const { logger, records } = capture();
    const bindings: Record<string, unknown> = { runId: 'run-1' };
    const child = logger.child(bindings);
    bindings.runId = 'run-2';
    child.info('x');
    expect(records()[0]).toMatchObject({ runId: 'run-1' });
  });

  it('shares secret values across the whole family, whoever learns them', () => {
    const { logger, records } = capture();
    const child = logger.child({ component: 'vault' });
    const value = secret();
    child.addSecretValues([value]);
    logger.info(`parent sees ${value}`);
    child.info('child sees', { note: value });
    expect(records().map((r) => [r.msg, r.note])).toEqual([
      [`parent sees ${REDACTED}`, undefined],
      ['child sees', REDACTED],
    ]);
  });
});

describe('createJsonLogger: redaction', () => {
  it('masks known secret values in msg, fields and bindings', () => {
    const value = secret();
    const { logger, lines } = capture({ secretValues: [value] });
    logger.child({ origin: `from ${value}` }).info(`connecting with ${value}`, { detail: [value] });
    expect(lines[0]).not.toContain(value);
    expect(parseLogLine(lines[0] as string)).toMatchObject({
      msg: `connecting with ${REDACTED}`,
      origin: `from ${REDACTED}`,
      detail: [REDACTED],
    });
  });

  it('redacts secret keys and value patterns at any depth', () => {
    const { logger, lines, records } = capture();
    const password = secret();
    const token = secret();
    logger.info(`calling with Bearer ${token}`, {
      request: { headers: { authorization: `Bearer ${token}`, accept: 'json' } },
      target: `https://svc:${password}@api.example.com`,
      connection: { password },
    });
    expect(lines[0]).not.toContain(password);
    expect(lines[0]).not.toContain(token);
    expect(records()[0]).toMatchObject({
      msg: `calling with Bearer ${REDACTED}`,
      request: { headers: { authorization: REDACTED, accept: 'json' } },
      target: `https://svc:${REDACTED}@api.example.com`,
      connection: { password: REDACTED },
    });
  });

  it('writes an `err` Error with name, message, code and a redacted stack', () => {
    const password = secret();
    const { logger, lines, records } = capture();
    const error = Object.assign(new Error(`cannot reach postgres://app:${password}@db/weft`), {
      code: 'ECONNREFUSED',
      config: { password },
    });
    logger.error('database down', { err: error });
    expect(lines[0]).not.toContain(password);
    const err = records()[0]?.err as Record<string, unknown>;
    expect(err).toMatchObject({
      name: 'Error',
      message: `cannot reach postgres://app:${REDACTED}@db/weft`,
      code: 'ECONNREFUSED',
    });
    expect(err.stack).toEqual(expect.stringContaining(`postgres://app:${REDACTED}@db/weft`));
    expect(err.stack).toEqual(expect.stringContaining('json-logger.test'));
    expect(err).not.toHaveProperty('config');
  });

  it('serializes an `error` field the same way, and an Error elsewhere without its stack', () => {
    const { logger, records } = capture();
    const cause = new RangeError('inner');
    logger.warn('retrying', {
      error: new TypeError('outer', { cause }),
      previous: new Error('before'),
    });
    const record = records()[0] as Record<string, Record<string, unknown>>;
    expect(record.error).toMatchObject({
      name: 'TypeError',
      message: 'outer',
      cause: { name: 'RangeError', message: 'inner' },
    });
    expect(typeof record.error?.stack).toBe('string');
    expect(record.previous).toEqual({ name: 'Error', message: 'before' });
  });
});

describe('createJsonLogger: never throws', () => {
  it('writes circular, BigInt, Map, Set and unreadable fields', () => {
    const { logger, records } = capture();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const unreadable = {
      get value(): never {
        throw new Error('getter failed');
      },
    };
    logger.info('odd fields', {
      loop,
      big: 12345678901234567890n,
      map: new Map([['a', 1]]),
      set: new Set([1, 2]),
      unreadable,
      fn: () => 1,
    });
    expect(records()[0]).toEqual({
      v: 1,
      time: FIXED_TIME.toISOString(),
      level: 'info',
      service: 'test-service',
      msg: 'odd fields',
      loop: { name: 'loop', self: '[Circular]' },
      big: '12345678901234567890',
      map: { a: 1 },
      set: [1, 2],
      unreadable: { value: '[Unreadable]' },
    });
  });

  it('still writes the message when the fields cannot be read at all', () => {
    const { logger, records } = capture();
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys for you');
        },
      },
    );
    expect(() => logger.error('hostile fields', hostile)).not.toThrow();
    expect(() => logger.child(hostile).info('hostile bindings')).not.toThrow();
    expect(records().map((r) => r.msg)).toEqual(['hostile fields', 'hostile bindings']);
  });

  it('absorbs a failing sink, a broken clock and a non-string message', () => {
    const failing = createJsonLogger({
      service: 's',
      write: () => {
        throw new Error('EPIPE');
      },
    });
    expect(() => failing.fatal('lost')).not.toThrow();

    const { logger, records } = capture({ now: () => new Date(Number.NaN) });
    logger.info({ toString: () => 'object message' } as unknown as string);
    logger.info({
      toString: () => {
        throw new Error('nope');
      },
    } as unknown as string);
    const [first, second] = records();
    expect(first?.msg).toBe('object message');
    expect(Number.isNaN(Date.parse(first?.time ?? ''))).toBe(false);
    expect(second?.msg).toBe('[unprintable message]');
  });
});

describe('noopLogger', () => {
  it('accepts every call and hands out itself as a child', () => {
    expect(() => noopLogger.fatal('x', { a: 1 })).not.toThrow();
    expect(noopLogger.child({ a: 1 })).toBe(noopLogger);
    expect(Object.isFrozen(noopLogger)).toBe(true);
  });
});
