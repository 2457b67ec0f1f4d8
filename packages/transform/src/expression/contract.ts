// The contract between the expression engine's core (parser, compiler, evaluator) and its
// function library. Both sides import from here; neither reaches into the other's files.

const EXPRESSION_ERROR = Symbol.for('weft.transform.expression-error');

/**
 * An error with a JSONata error code (S0xxx syntax, T0xxx type, D0xxx/D1xxx/D2xxx/D3xxx
 * dynamic, U1xxx limits) and, where known, the character position and token. `message` is one
 * line, safe to show: it never quotes input data beyond the offending token or a short value.
 */
export class ExpressionError extends Error {
  readonly [EXPRESSION_ERROR] = true;
  override name = 'ExpressionError';
  constructor(
    readonly code: string,
    message: string,
    readonly details: { position?: number; token?: string; value?: unknown; index?: number } = {},
  ) {
    super(message);
  }
  get position(): number | undefined {
    return this.details.position;
  }
  get token(): string | undefined {
    return this.details.token;
  }
  static is(value: unknown): value is ExpressionError {
    return typeof value === 'object' && value !== null && EXPRESSION_ERROR in value;
  }
}

const SEQUENCE = Symbol.for('weft.transform.sequence');

/**
 * A JSONata sequence: the result of navigating a path. Plain arrays are JSON arrays; a sequence
 * is an array carrying the brand. A sequence of one item is the item itself when it leaves the
 * evaluator (unless `keepSingleton`, from `[]` in a path).
 */
export type Sequence<T = unknown> = T[] & {
  readonly [SEQUENCE]: true;
  keepSingleton?: boolean;
  outerWrapper?: boolean;
};

export function createSequence<T>(...items: T[]): Sequence<T> {
  const sequence = items as Sequence<T>;
  Object.defineProperty(sequence, SEQUENCE, { value: true, enumerable: false });
  return sequence;
}

export function isSequence(value: unknown): value is Sequence {
  return Array.isArray(value) && SEQUENCE in value;
}

const FUNCTION_VALUE = Symbol.for('weft.transform.function-value');

/** Marks an object as a JSONata function value (a lambda, a native function, a partial application). */
export function brandFunction<T extends object>(value: T): T {
  Object.defineProperty(value, FUNCTION_VALUE, { value: true, enumerable: false });
  return value;
}

/** True for any callable JSONata value; `$typeOf` says "function" for these. */
export function isFunctionValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && FUNCTION_VALUE in value;
}

/** What a native function may ask of the evaluator. */
export interface CallContext {
  /** Calls any JSONata function value with these arguments (for $map, $sort, $reduce, …). */
  apply(fn: unknown, args: readonly unknown[]): unknown;
  /** How many parameters a function value declares (for $map/$filter passing index and array). */
  arity(fn: unknown): number;
  /** The context item the call was made on (for signatures with `-`, e.g. `$string()`). */
  readonly input: unknown;
  /** Milliseconds since the epoch, fixed for one evaluation ($now and $millis agree). */
  readonly now: number;
  /** `$eval`: compiles and evaluates with the same engine and the same limits. */
  evaluate(
    expression: string,
    input: unknown,
    bindings?: Readonly<Record<string, unknown>>,
  ): unknown;
  /**
   * Charges work against the evaluation's limits (time, output size); throws ExpressionError
   * U1001/U1002 when exceeded. Functions that build large strings or arrays call it with the size.
   */
  charge(size?: number): void;
  /** Runs a regular expression under the evaluation's time bound (see RegexMatcher). */
  readonly regex: RegexRunner;
}

/** A compiled JSONata regex literal as functions receive it. */
export interface RegexValue {
  readonly source: string;
  readonly flags: string;
}

const REGEX_VALUE = Symbol.for('weft.transform.regex-value');

/**
 * Builds the value of a regex literal. It is branded as a function value too, because JSONata
 * types a regex as a function (`$type(/a/)` is "function"; signatures see `f`).
 * (Added by the function library; additive.)
 */
export function createRegexValue(source: string, flags: string): RegexValue {
  const value = brandFunction({ source, flags });
  Object.defineProperty(value, REGEX_VALUE, { value: true, enumerable: false });
  return Object.freeze(value);
}

/** True for a value built by createRegexValue. */
export function isRegexValue(value: unknown): value is RegexValue {
  return typeof value === 'object' && value !== null && REGEX_VALUE in value;
}

/** Matches with a bound on work, so a catastrophic pattern cannot hang a run. */
export interface RegexRunner {
  /** All matches of `regex` in `text`, at most `limit`. */
  matchAll(
    regex: RegexValue,
    text: string,
    limit?: number,
  ): Array<{ match: string; index: number; groups: string[] }>;
}

/** A function of the library: receives evaluated arguments, validated against `signature`. */
export interface NativeFunction {
  readonly name: string;
  /** JSONata signature syntax, e.g. `<s-nn?:s>`; validated (and `-` filled) before the call. */
  readonly signature?: string;
  implementation(args: unknown[], context: CallContext): unknown;
}
