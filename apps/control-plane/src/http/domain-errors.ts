import { HttpException } from '@nestjs/common';

/** A domain refusal as the API shows it: a stable code, a message, what in the request is wrong. */
export interface DomainRefusal {
  readonly code: string;
  readonly message: string;
  /** The request field that is wrong. */
  readonly field?: string;
  /** Every problem of a document, each at its path. */
  readonly problems?: ReadonlyArray<{ path: string; code: string; message: string }>;
}

/**
 * The HTTP answer of a domain refusal: `{ code, message, details?: { field?, problems? } }`
 * (the error filter wraps it in `{ error: … }`). One shape for every service's refusals.
 */
export function refusal(error: DomainRefusal, status: number): HttpException {
  const details = {
    ...(error.field === undefined ? {} : { field: error.field }),
    ...(error.problems === undefined ? {} : { problems: error.problems }),
  };
  return new HttpException(
    {
      code: error.code,
      message: error.message,
      ...(Object.keys(details).length === 0 ? {} : { details }),
    },
    status,
  );
}
