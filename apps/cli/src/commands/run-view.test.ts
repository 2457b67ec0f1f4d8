import { countsOf, duration, failureReason, statusLine } from './run-view.js';

const base = { id: 'r-1', submittedAt: '2024-06-01T12:00:00.000Z' };

describe('run view', () => {
  it('reads counts from RunView.records or the flat activity fields', () => {
    expect(
      countsOf({ ...base, status: 'running', records: { read: 3, written: 2, failed: 1 } }),
    ).toEqual({ read: 3, written: 2, failed: 1 });
    expect(
      countsOf({ ...base, status: 'running', recordsRead: 5, recordsWritten: 4, recordsFailed: 0 }),
    ).toEqual({ read: 5, written: 4, failed: 0 });
    expect(countsOf({ ...base, status: 'pending' })).toEqual({ read: 0, written: 0, failed: 0 });
  });

  it('status lines', () => {
    expect(statusLine({ ...base, status: 'pending' })).toBe('run r-1 pending');
    expect(statusLine({ ...base, status: 'running', agentId: 'a-1' })).toBe(
      'run r-1 running on agent a-1',
    );
    expect(
      statusLine({
        ...base,
        status: 'succeeded',
        startedAt: '2024-06-01T12:00:00Z',
        completedAt: '2024-06-01T12:02:05Z',
        recordsRead: 1,
      }),
    ).toBe('run r-1 succeeded: read 1, written 0, failed 0 (2 min 5 s)');
  });

  it('duration needs both ends in order', () => {
    expect(duration({ ...base, status: 'succeeded' })).toBeUndefined();
    expect(
      duration({ ...base, status: 'failed', completedAt: '2024-06-01T11:00:00Z' }),
    ).toBeUndefined();
    expect(duration({ ...base, status: 'failed', completedAt: '2024-06-01T12:00:00.400Z' })).toBe(
      '0.4 s',
    );
  });

  it('failure reasons: the message and code, else the failed count', () => {
    expect(failureReason({ ...base, status: 'failed', message: 'boom', errorCode: 'E_X' })).toBe(
      'boom (E_X)',
    );
    expect(
      failureReason({ ...base, status: 'failed', records: { read: 9, written: 7, failed: 2 } }),
    ).toBe('2 records failed');
    expect(failureReason({ ...base, status: 'cancelled' })).toBe('no message');
  });
});
