import { parseAgentLogLine } from './index.js';
import { refusal, withField } from '../test/support.js';

const line = {
  v: 1,
  time: '2024-06-01T12:00:00.000Z',
  level: 'debug',
  agentId: 'agent-1',
  msg: 'fetched page 3',
};

describe('parseAgentLogLine', () => {
  it('accepts a line with and without a run', () => {
    expect(parseAgentLogLine(line)).toEqual(line);
    expect(parseAgentLogLine({ ...line, runId: 'run-9' })).toEqual({ ...line, runId: 'run-9' });
  });

  it('drops unknown fields', () => {
    expect(parseAgentLogLine({ ...line, hostname: 'box' })).toEqual(line);
  });

  it.each([
    ['v', 3],
    ['time', undefined],
    ['time', '2024-06-01T12:00:60Z'],
    ['level', 'trace'],
    ['agentId', ''],
    ['agentId', undefined],
    ['runId', 5],
    ['msg', undefined],
    ['msg', 'x'.repeat(65_537)],
  ])('refuses a bad %s (case %#), naming the field', (field, value) => {
    const error = refusal(() => parseAgentLogLine(withField(line, field, value)));
    expect(error.code).toBe('INVALID_AGENT_LOG_LINE');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`"${field}"`);
  });

  it('refuses a non-object', () => {
    expect(refusal(() => parseAgentLogLine('v=1 msg=x')).field).toBeUndefined();
  });
});
