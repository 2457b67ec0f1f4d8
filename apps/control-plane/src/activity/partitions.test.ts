import {
  ACTIVITY_DETAILS,
  ACTIVITY_LOG,
  daysAhead,
  partitionDay,
  partitionName,
  retentionBoundary,
  utcDay,
} from './partitions.js';

describe('day partitions', () => {
  it('name a partition after its UTC day and read the day back', () => {
    const day = new Date('2025-01-31T00:00:00Z');
    expect(partitionName(ACTIVITY_LOG, day)).toBe('activity_log_p20250131');
    expect(partitionName(ACTIVITY_DETAILS, day)).toBe('activity_details_p20250131');
    expect(partitionDay(ACTIVITY_LOG, 'activity_log_p20250131')).toEqual(day);
  });

  it.each([
    'activity_log_default',
    'activity_log_p2025013',
    'activity_log_p20250230',
    'activity_log_p20251301',
    'activity_details_p20250131',
    'activity_log_p20250131_pkey',
  ])('do not take %s for a day partition of activity_log', (name) => {
    expect(partitionDay(ACTIVITY_LOG, name)).toBeUndefined();
  });

  it('cut days at midnight UTC', () => {
    expect(utcDay(new Date('2025-03-30T23:59:59.999Z'))).toEqual(new Date('2025-03-30T00:00:00Z'));
    expect(utcDay(new Date('2025-03-31T00:00:00.000Z'))).toEqual(new Date('2025-03-31T00:00:00Z'));
  });

  it('keep every day that is not wholly older than the window', () => {
    const now = new Date('2025-03-31T10:00:00Z');
    // 31 days before is 2025-02-28T10:00Z: that day still holds rows inside the window.
    expect(retentionBoundary(now, 31)).toEqual(new Date('2025-02-28T00:00:00Z'));
    expect(retentionBoundary(new Date('2025-03-31T00:00:00Z'), 1)).toEqual(
      new Date('2025-03-30T00:00:00Z'),
    );
  });

  it('want partitions from yesterday to the days ahead', () => {
    const days = daysAhead(new Date('2025-12-30T18:00:00Z'), 3).map((d) => d.toISOString());
    expect(days).toEqual([
      '2025-12-29T00:00:00.000Z',
      '2025-12-30T00:00:00.000Z',
      '2025-12-31T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-02T00:00:00.000Z',
    ]);
  });
});
