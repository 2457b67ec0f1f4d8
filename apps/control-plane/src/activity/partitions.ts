// Day partitions of the activity tables: their names and bounds. Pure; the maintenance job
// (partition-maintenance.ts) does the I/O.

export const DAY_MS = 86_400_000;

/** A table partitioned by UTC day on `key`, with a DEFAULT partition for days without one. */
export interface DayPartitionedTable {
  readonly table: 'activity_log' | 'activity_details';
  readonly key: 'submitted_at' | 'at';
}

export const ACTIVITY_LOG: DayPartitionedTable = { table: 'activity_log', key: 'submitted_at' };
export const ACTIVITY_DETAILS: DayPartitionedTable = { table: 'activity_details', key: 'at' };

/** Midnight UTC of the day `time` falls in. */
export function utcDay(time: Date): Date {
  return new Date(Math.floor(time.getTime() / DAY_MS) * DAY_MS);
}

export function addDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * DAY_MS);
}

/** `activity_log_p20250131` for the day starting 2025-01-31T00:00Z. */
export function partitionName(table: DayPartitionedTable, day: Date): string {
  return `${table.table}_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export function defaultPartitionName(table: DayPartitionedTable): string {
  return `${table.table}_default`;
}

/** The day a partition of `table` holds, from its name; undefined for any other name. */
export function partitionDay(table: DayPartitionedTable, name: string): Date | undefined {
  const match = new RegExp(`^${table.table}_p(\\d{4})(\\d{2})(\\d{2})$`).exec(name);
  if (match === null) return undefined;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  // 20250230 is not a day.
  return date.getUTCDate() === day && date.getUTCMonth() === month - 1 ? date : undefined;
}

/**
 * The first day kept when rows are kept `retentionDays`: everything before it is past the
 * window. A partition goes only when all of its day is older than the window, so a row is kept
 * at least `retentionDays` and at most one day more.
 */
export function retentionBoundary(now: Date, retentionDays: number): Date {
  return utcDay(new Date(now.getTime() - retentionDays * DAY_MS));
}

/** The days that should have a partition: from yesterday to `ahead` days after today. */
export function daysAhead(now: Date, ahead: number): Date[] {
  const today = utcDay(now);
  return Array.from({ length: ahead + 2 }, (_, i) => addDays(today, i - 1));
}
