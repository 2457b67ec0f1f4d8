const PROJECTS_ERROR = Symbol.for('weft.control-plane.projects-error');

export type ProjectsErrorCode =
  | 'NOT_FOUND'
  | 'PROJECT_INVALID'
  | 'REVISION_NOT_FOUND'
  | 'NOT_DEPLOYED'
  | 'OPERATION_NOT_FOUND'
  | 'NO_AGENT_GROUP'
  | 'VARIABLES_MISSING'
  | 'VARIABLE_KIND_MISMATCH'
  | 'ARCHIVE_INVALID'
  | 'ARCHIVE_UNTRUSTED'
  | 'PROMOTION_INVALID'
  | 'VALIDATION_FAILED'
  | 'TOO_MANY_TESTS';

/** One thing wrong with a project document, at its path (`operations.load.source.connection`). */
export interface ProjectProblem {
  path: string;
  code: string;
  message: string;
}

/** What the projects service refuses, with a stable code; the controller maps it to HTTP. */
export class ProjectsError extends Error {
  readonly [PROJECTS_ERROR] = true;
  constructor(
    readonly code: ProjectsErrorCode,
    message: string,
    readonly problems?: readonly ProjectProblem[],
    /** The request field that is wrong, for a client to point at. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ProjectsError';
  }

  static is(value: unknown): value is ProjectsError {
    return typeof value === 'object' && value !== null && PROJECTS_ERROR in value;
  }
}

/** HTTP status of each code: what the client did wrong decides it, not where it was found. */
export const PROJECTS_ERROR_STATUS: Readonly<Record<ProjectsErrorCode, number>> = {
  NOT_FOUND: 404,
  OPERATION_NOT_FOUND: 404,
  REVISION_NOT_FOUND: 404,
  PROJECT_INVALID: 400,
  VARIABLES_MISSING: 400,
  VARIABLE_KIND_MISMATCH: 400,
  ARCHIVE_INVALID: 400,
  PROMOTION_INVALID: 400,
  VALIDATION_FAILED: 400,
  ARCHIVE_UNTRUSTED: 422,
  NOT_DEPLOYED: 409,
  NO_AGENT_GROUP: 409,
  TOO_MANY_TESTS: 429,
};
