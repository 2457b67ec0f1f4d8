const MAPPING_ERROR = Symbol.for('weft.transform.mapping-error');

export type MappingErrorCode =
  /** The document does not compile; `problems` lists every problem with its path. */
  | 'invalid_mapping'
  /** A record failed and the document's policy for that failure is `fail`. */
  | 'record_failed'
  /** A run context is missing a lookup table or is not one this mapping made. */
  | 'invalid_run';

export interface MappingProblem {
  /** Where in the document, e.g. `records[0].fields.total.value`. */
  readonly path: string;
  readonly message: string;
}

/**
 * A mapping that cannot compile or a run it refuses. The message lists every problem, one per
 * line as `path: message`; `problems` holds them as data. Never quotes record data.
 */
export class MappingError extends Error {
  readonly [MAPPING_ERROR] = true;
  override name = 'MappingError';
  constructor(
    readonly code: MappingErrorCode,
    message: string,
    readonly problems: readonly MappingProblem[] = [],
  ) {
    super(message);
  }
  static is(value: unknown): value is MappingError {
    return typeof value === 'object' && value !== null && MAPPING_ERROR in value;
  }
}

export function invalidMapping(problems: readonly MappingProblem[]): MappingError {
  const lines = problems.map((problem) => `${problem.path}: ${problem.message}`);
  return new MappingError(
    'invalid_mapping',
    `mapping has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
    problems,
  );
}
