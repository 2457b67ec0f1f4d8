import { randomUUID } from 'node:crypto';
import {
  ACTIVITY_DETAIL_LEVELS,
  ACTIVITY_DETAIL_STEPS,
  MAX_ACTIVITY_DETAIL_TEXT,
  parseActivityDetail,
} from './index.js';
import { refusal, withField } from '../test/support.js';

const line = {
  v: 1,
  runId: randomUUID(),
  seq: 1,
  at: '2024-06-01T12:00:00.000Z',
  level: 'info',
  step: 'source',
  text: 'source s3: read 1200 records',
};

describe('parseActivityDetail', () => {
  it('accepts a detail line with a step', () => {
    expect(parseActivityDetail(line)).toEqual(line);
  });

  it('reads a database row: a null step is absent, unknown columns dropped', () => {
    const { step: _step, ...withoutStep } = line;
    expect(parseActivityDetail({ ...line, step: null, key_version: 2 })).toEqual(withoutStep);
  });

  it.each(ACTIVITY_DETAIL_LEVELS.map((level) => [level]))('accepts level %s', (level) => {
    expect(parseActivityDetail({ ...line, level }).level).toBe(level);
  });

  it.each(ACTIVITY_DETAIL_STEPS.map((step) => [step]))('accepts step %s', (step) => {
    expect(parseActivityDetail({ ...line, step }).step).toBe(step);
  });

  it('accepts a text of the longest length the agent sends', () => {
    const text = 'x'.repeat(MAX_ACTIVITY_DETAIL_TEXT);
    expect(parseActivityDetail({ ...line, text }).text).toBe(text);
  });

  it.each([
    ['v', 2],
    ['runId', ''],
    ['seq', 0],
    ['seq', 1.5],
    ['seq', undefined],
    ['at', '2024-02-30T00:00:00Z'],
    ['level', 'debug'],
    ['level', 'fatal'],
    ['step', 'load'],
    ['text', undefined],
    ['text', 7],
    ['text', 'x'.repeat(MAX_ACTIVITY_DETAIL_TEXT + 1)],
  ])('refuses a bad %s (case %#), naming the field', (field, value) => {
    const error = refusal(() => parseActivityDetail(withField(line, field, value)));
    expect(error.code).toBe('INVALID_ACTIVITY_DETAIL');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`"${field}"`);
  });

  it('refuses a non-object', () => {
    expect(refusal(() => parseActivityDetail([line])).code).toBe('INVALID_ACTIVITY_DETAIL');
  });
});
