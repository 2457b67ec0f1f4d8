import type { LoggerService } from '@nestjs/common';
import type { Logger, LogLevel } from '@weft/log-schema';

/** Routes NestJS's own log calls into Weft's structured JSON logger. */
export class NestJsonLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    // Nest passes the context (a class name) last, and for errors the stack before it.
    const rest = [...params];
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? rest.pop() : undefined;
    const fields: Record<string, unknown> = {};
    if (context !== undefined) fields.context = context;
    if (message instanceof Error) {
      fields.err = message;
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(fields, message);
    }
    const stack = rest.find((p): p is string => typeof p === 'string' && p.includes('\n    at '));
    if (stack !== undefined) fields.stack = stack;
    const text =
      typeof message === 'string' ? message : message instanceof Error ? message.message : 'nest';
    this.logger[level](text, fields);
  }
}
