import { usageError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const RELATIVE = /^(\d{1,6})([smhdw])$/;
// A date, optionally with a time and a zone: 2024-06-01, 2024-06-01T12:00, 2024-06-01T12:00:00.5+02:00.
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * `--since` as an ISO instant: either a time ago (`30m`, `1h`, `2d`, `45s`, `1w`) or an ISO date
 * or date-time. A date-time without a zone is read as UTC, like the times the CLI prints.
 */
export function parseSince(text: string, now: number): string {
  const relative = RELATIVE.exec(text);
  if (relative !== null) {
    const [, amount, unit] = relative as unknown as [string, string, string];
    return new Date(now - Number(amount) * (UNIT_MS[unit] ?? 0)).toISOString();
  }
  const zoned = /T/.test(text) && !/(Z|[+-]\d{2}:\d{2})$/.test(text) ? `${text}Z` : text;
  const time = ISO.test(text) ? Date.parse(zoned) : NaN;
  if (Number.isNaN(time)) {
    throw usageError(
      '--since must be a time ago (30m, 1h, 2d) or an ISO date-time (2024-06-01T12:00:00Z)',
    );
  }
  return new Date(time).toISOString();
}
