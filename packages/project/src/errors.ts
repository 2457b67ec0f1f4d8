const PROJECT_ERROR = Symbol.for('weft.project.error');

export const PROJECT_ERROR_CODES = [
  /** The project document (or folder) has problems; `problems` lists every one of them. */
  'invalid_project',
  /** A project archive cannot be trusted or read: bad envelope, signature, files, size. */
  'invalid_archive',
  /** compileOperation was asked for an operation the project does not have. */
  'operation_not_found',
  /** compileOperation or createProjectArchive needs the content of a `file:` interface it was not given. */
  'file_missing',
] as const;
export type ProjectErrorCode = (typeof PROJECT_ERROR_CODES)[number];

/** What a problem is, stable across releases (clients and tests match on it). */
export const PROJECT_PROBLEM_CODES = [
  'required',
  'invalid_type',
  'invalid_value',
  'invalid_name',
  'unknown_field',
  'unknown_reference',
  'unknown_connector',
  'duplicate',
  'cycle',
  'too_large',
  'secret_literal',
  'variable_kind',
  'invalid_cron',
  'invalid_timezone',
  'interface_invalid',
  'mapping_invalid',
  'invalid_yaml',
  'invalid_json',
  'duplicate_key',
  'unknown_file',
  'signature_invalid',
  'file_mismatch',
] as const;
export type ProjectProblemCode = (typeof PROJECT_PROBLEM_CODES)[number];

export interface ProjectProblem {
  /** Where: a document path (`operations.load-orders.onSuccess[0]`), a folder file, or `''` for the whole. */
  readonly path: string;
  readonly code: ProjectProblemCode;
  /** What is wrong; never quotes a value longer than 80 characters, never a secret. */
  readonly message: string;
}

/**
 * A project that cannot be accepted, or an operation that cannot be compiled. The message lists
 * the problems one per line (`path: message`); `problems` holds them as data.
 */
export class ProjectError extends Error {
  readonly [PROJECT_ERROR] = true;
  override name = 'ProjectError';
  constructor(
    readonly code: ProjectErrorCode,
    message: string,
    readonly problems: readonly ProjectProblem[] = [],
  ) {
    super(message);
  }

  static is(value: unknown): value is ProjectError {
    return typeof value === 'object' && value !== null && PROJECT_ERROR in value;
  }
}

const MAX_LISTED = 50;

/** One error carrying every problem; the message lists the first 50 (the rest stay in `problems`). */
export function projectError(
  code: ProjectErrorCode,
  what: string,
  problems: readonly ProjectProblem[],
): ProjectError {
  const listed = problems
    .slice(0, MAX_LISTED)
    .map((problem) => `${problem.path || '(document)'}: ${problem.message}`);
  if (problems.length > MAX_LISTED) listed.push(`… and ${problems.length - MAX_LISTED} more`);
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return new ProjectError(code, `${what} has ${count}:\n${listed.join('\n')}`, problems);
}
