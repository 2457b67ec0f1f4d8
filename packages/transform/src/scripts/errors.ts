const SCRIPT_ERROR = Symbol.for('weft.transform.script.error');

export const SCRIPT_ERROR_CODES = [
  /** A sandbox or compile option is out of range or of the wrong type. */
  'invalid_option',
  /** The script does not parse; `line` and `column` say where. */
  'script_syntax',
  /** The script parses but has the wrong shape (no `transform` function). */
  'script_invalid',
  /** The script threw; the message is the script's own (size-capped), `line` where it threw. */
  'script_failed',
  /** The script ran past its CPU-time limit and was stopped. */
  'script_timeout',
  /** The script went past its memory limit and was stopped. */
  'script_memory',
  /** The script recursed past its stack limit and was stopped. */
  'script_stack',
  /** The record or bindings handed to the script are not JSON-like data, or are too large. */
  'script_input',
  /** The script's result is not JSON-like data (a function, a symbol, a cycle, a Promise…) or is too large. */
  'script_output',
  /** The script or its sandbox was disposed, or the sandbox is still replacing a broken engine. */
  'script_unavailable',
] as const;

export type ScriptErrorCode = (typeof SCRIPT_ERROR_CODES)[number];

export interface ScriptErrorDetails {
  /** The script's name as given to `compile`. */
  readonly scriptName?: string;
  /** 1-based line in the script's own source, when known. */
  readonly line?: number;
  /** 1-based column in the script's own source, when known. */
  readonly column?: number;
  readonly cause?: unknown;
}

/**
 * A user script could not be compiled or run. Messages name the script and the position and
 * never quote record data; `script_failed` carries the script's own error message (capped), which
 * the script's author controls.
 */
export class ScriptError extends Error {
  readonly [SCRIPT_ERROR] = true;
  readonly scriptName: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(
    readonly code: ScriptErrorCode,
    message: string,
    details: ScriptErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ScriptError';
    this.scriptName = details.scriptName;
    this.line = details.line;
    this.column = details.column;
  }
  static is(value: unknown): value is ScriptError {
    return typeof value === 'object' && value !== null && SCRIPT_ERROR in value;
  }
}
