/** Log levels, least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** Position in LOG_LEVELS: a line is written when its severity reaches the logger's. */
export function severityOf(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}
