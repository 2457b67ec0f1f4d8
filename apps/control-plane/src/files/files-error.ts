import { refusal } from '../http/domain-errors.js';

const FILES_ERROR = Symbol.for('weft.control-plane.files-error');

export type FilesErrorCode =
  | 'NOT_FOUND'
  | 'FILE_INVALID'
  | 'FILE_TOO_LARGE'
  | 'FILE_IN_USE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UPLOADS_BUSY';

/** What the file service refuses, with a stable code; `answerFiles` maps it to HTTP. */
export class FilesError extends Error {
  readonly [FILES_ERROR] = true;
  constructor(
    readonly code: FilesErrorCode,
    message: string,
    /** The request field that is wrong (`kind`, `name`, `body`), for a client to point at. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'FilesError';
  }

  static is(value: unknown): value is FilesError {
    return typeof value === 'object' && value !== null && FILES_ERROR in value;
  }
}

/** HTTP status of each code. */
export const FILES_ERROR_STATUS: Readonly<Record<FilesErrorCode, number>> = {
  NOT_FOUND: 404,
  FILE_INVALID: 400,
  FILE_TOO_LARGE: 413,
  FILE_IN_USE: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPLOADS_BUSY: 429,
};

/** Runs `work`, turning the file service's refusals into `{ error: { code, message, details? } }`. */
export async function answerFiles<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!FilesError.is(error)) throw error;
    throw refusal(error, FILES_ERROR_STATUS[error.code]);
  }
}
