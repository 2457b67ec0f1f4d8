/**
 * The logger every Weft library accepts by injection (libraries never import a logging
 * library). `fields` are structured data; `child` binds fields to every line it writes.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  fatal(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

const ignore = (): void => {};

/** A Logger that discards everything: the default for libraries when none is injected. */
export const noopLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  fatal: ignore,
  child: (): Logger => noopLogger,
});
