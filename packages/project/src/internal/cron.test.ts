import { cronProblem } from './cron.js';
import { isTimeZone } from './timezone.js';

describe('cronProblem', () => {
  it.each([
    '* * * * *',
    '0 2 * * *',
    '*/15 9-17 * * MON-FRI',
    '0 0 1,15 * *',
    '5/10 * * * *',
    '0 12 * JAN,jul sun',
    '30 4 1-10/3 2-11/2 7',
    '  0   2 * * *  ',
    '0 0 29 2 *',
  ])('accepts %s', (expression) => {
    expect(cronProblem(expression)).toBeUndefined();
  });

  it.each([
    ['', 'has 0 fields; a cron expression has 5 (minute hour day-of-month month day-of-week)'],
    [
      '0 2 * *',
      'has 4 fields; a cron expression has 5 (minute hour day-of-month month day-of-week)',
    ],
    [
      '0 2 * * * 2024',
      'has 6 fields; a cron expression has 5 (minute hour day-of-month month day-of-week)',
    ],
    [
      '@daily',
      'has 1 fields; a cron expression has 5 (minute hour day-of-month month day-of-week)',
    ],
    ['60 * * * *', 'minute: 60 is outside 0-59'],
    ['* 24 * * *', 'hour: 24 is outside 0-23'],
    ['* * 0 * *', 'day of month: 0 is outside 1-31'],
    ['* * * 13 *', 'month: 13 is outside 1-12'],
    ['* * * * 8', 'day of week: 8 is outside 0-7'],
    ['* * * * FUNDAY', 'day of week: "FUNDAY" is not a number or a name'],
    ['10-5 * * * *', 'minute: range 10-5 runs backwards'],
    ['*/0 * * * *', 'minute: step "0" must be 1-59'],
    ['1-2-3 * * * *', 'minute: "1-2-3" is malformed'],
    ['*/5/2 * * * *', 'minute: "*/5/2" is malformed'],
    ['1,,2 * * * *', 'minute: "" is malformed'],
    ['? * * * *', 'minute: "?" is not a number'],
    ['L * * * *', 'minute: "L" is not a number'],
    ['0 0 31 2,4 *', 'never fires: no chosen month has the chosen day of month'],
    ['60 24 * * *', 'minute: 60 is outside 0-59; hour: 24 is outside 0-23'],
  ])('refuses %j: %s', (expression, message) => {
    expect(cronProblem(expression)).toBe(message);
  });

  it('fires on the day of week even when the day of month never comes (cron ORs them)', () => {
    expect(cronProblem('0 0 31 2 MON')).toBeUndefined();
  });

  it('refuses very long expressions without parsing them', () => {
    expect(cronProblem(`${'1,'.repeat(150)}1 * * * *`)).toBe('is longer than 200 characters');
  });
});

describe('isTimeZone', () => {
  it.each(['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])(
    'accepts %s',
    (zone) => {
      expect(isTimeZone(zone)).toBe(true);
    },
  );
  it.each(['Mars/Olympus', '+01:00', 'Europe/Paris ', '', 'a'.repeat(65), '../etc'])(
    'refuses %j',
    (zone) => {
      expect(isTimeZone(zone)).toBe(false);
    },
  );
});
