import {
  Catch,
  HttpException,
  HttpStatus,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Logger } from '@weft/log-schema';

/** The JSON shape of every error response: a stable code and a message safe to show. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const STATUS_CODES: Partial<Record<number, string>> = {
  [HttpStatus.BAD_REQUEST]: 'BAD_REQUEST',
  [HttpStatus.UNAUTHORIZED]: 'UNAUTHENTICATED',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN',
  [HttpStatus.NOT_FOUND]: 'NOT_FOUND',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'METHOD_NOT_ALLOWED',
  [HttpStatus.CONFLICT]: 'CONFLICT',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_MEDIA_TYPE',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'UNPROCESSABLE',
  [HttpStatus.TOO_MANY_REQUESTS]: 'RATE_LIMITED',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'UNAVAILABLE',
};

/**
 * Turns every exception into `{ error: { code, message } }`. Unexpected errors become a 500 with a
 * generic message; their details go to the (redacting) log, never to the client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<{
      status(code: number): { json(body: unknown): void };
      headersSent?: boolean;
      end?(): void;
    }>();
    const { status, body } = this.toResponse(exception);
    // Too late for an error body: end the response rather than leave the client waiting.
    if (response.headersSent) return void response.end?.();
    response.status(status).json(body);
  }

  private toResponse(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
      const code =
        typeof given.code === 'string' ? given.code : (STATUS_CODES[status] ?? `HTTP_${status}`);
      // A 5xx says what went wrong on our side: the detail is for the log, not the caller.
      const message =
        status >= 500
          ? 'internal error'
          : Array.isArray(given.message)
            ? given.message.join('; ')
            : typeof given.message === 'string'
              ? given.message
              : exception.message;
      if (status >= 500) this.logger.error('request failed', { err: exception });
      const body: ErrorBody = { error: { code, message } };
      if (given.details !== undefined) body.error.details = given.details;
      return { status, body };
    }
    this.logger.error('unhandled error', { err: exception });
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { error: { code: 'INTERNAL', message: 'internal error' } },
    };
  }
}
