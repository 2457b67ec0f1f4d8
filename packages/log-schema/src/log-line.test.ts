import { LOG_LINE_VERSION, parseLogLine } from './index.js';
import { refusal, withField } from '../test/support.js';

const valid = {
  v: 1,
  time: '2024-06-01T12:00:00.000Z',
  level: 'info',
  service: 'gateway',
  msg: 'agent connected',
  agentId: 'agent-7',
};

describe('parseLogLine', () => {
  it('accepts a valid line and keeps its structured fields', () => {
    expect(LOG_LINE_VERSION).toBe(1);
    expect(parseLogLine(JSON.stringify(valid))).toEqual(valid);
  });

  it.each([
    '2024-06-01T12:00:00Z',
    '2024-06-01T12:00:00.123456Z',
    '2024-06-01T14:00:00+02:00',
    '2024-02-29T00:00:00Z',
  ])('accepts the time %s', (time) => {
    expect(parseLogLine(JSON.stringify({ ...valid, time })).time).toBe(time);
  });

  it.each(['not json', '[1,2]', '"a string"', 'null', ''])(
    'refuses %p as not a JSON object',
    (line) => {
      const error = refusal(() => parseLogLine(line));
      expect(error.code).toBe('INVALID_LOG_LINE');
      expect(error.field).toBeUndefined();
    },
  );

  it.each([
    ['v', undefined],
    ['v', 2],
    ['v', '1'],
    ['time', undefined],
    ['time', 1717243200000],
    ['time', '2024-06-01'],
    ['time', '2024-06-01T12:00:00'],
    ['time', '2023-02-29T12:00:00Z'],
    ['time', '2024-06-01T24:00:00Z'],
    ['time', 'yesterday'],
    ['level', 'verbose'],
    ['level', undefined],
    ['service', ''],
    ['service', 7],
    ['msg', undefined],
    ['msg', { text: 'x' }],
  ])('refuses a bad %s (case %#), naming the field', (field, value) => {
    const error = refusal(() => parseLogLine(JSON.stringify(withField(valid, field, value))));
    expect(error.code).toBe('INVALID_LOG_LINE');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`"${field}"`);
  });

  it('does not repeat the offending value in the error', () => {
    const error = refusal(() =>
      parseLogLine(JSON.stringify({ ...valid, level: 'hunter2-secret' })),
    );
    expect(error.message).not.toContain('hunter2-secret');
  });
});
