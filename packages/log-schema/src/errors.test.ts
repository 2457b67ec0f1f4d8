import { LogSchemaError, isLogLevel, LOG_LEVELS } from './index.js';

describe('LogSchemaError', () => {
  it('is recognised by its brand, also across package copies', () => {
    const error = new LogSchemaError('INVALID_LOG_LINE', 'bad', 'level');
    expect(LogSchemaError.is(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'LogSchemaError',
      code: 'INVALID_LOG_LINE',
      field: 'level',
    });
    const foreign = Object.assign(new Error('x'), { [Symbol.for('weft.log-schema.error')]: true });
    expect(LogSchemaError.is(foreign)).toBe(true);
    expect(LogSchemaError.is(new Error('x'))).toBe(false);
    expect(LogSchemaError.is(undefined)).toBe(false);
  });
});

describe('log levels', () => {
  it('are ordered from least to most severe', () => {
    expect(LOG_LEVELS).toEqual(['debug', 'info', 'warn', 'error', 'fatal']);
  });

  it('are recognised by isLogLevel', () => {
    for (const level of LOG_LEVELS) expect(isLogLevel(level)).toBe(true);
    for (const other of ['trace', 'INFO', '', 3, null, undefined])
      expect(isLogLevel(other)).toBe(false);
  });
});
