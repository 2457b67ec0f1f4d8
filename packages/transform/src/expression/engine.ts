// The public face of the expression engine: compile once, evaluate synchronously many times,
// under per-evaluation limits, with the standard library plus any registered functions.
import { ExpressionError, type CallContext, type NativeFunction } from './contract.js';
import { Frame, EvaluationState, type Limits } from './evaluator/environment.js';
import { compile } from './evaluator/compile.js';
import { nativeValue, type Evaluator } from './evaluator/function-values.js';
import { isSequence, sequenceOf } from './evaluator/sequence.js';
import { parseSignature, STANDARD_FUNCTIONS } from './functions/index.js';
import { limitError } from './messages.js';
import { parse } from './syntax/parser.js';

/** A function Weft or a plugin adds to the language, called as `$name(...)`. */
export interface ExpressionFunction {
  /** JSONata signature, e.g. `<s-n?:s>`; arguments are validated (and `-` filled) before the call. */
  readonly signature?: string;
  implementation(args: unknown[], context: CallContext): unknown;
}

export interface ExpressionOptions {
  /** Wall-clock budget of one evaluation, in milliseconds (default 1000). Exceeding it: U1001. */
  readonly timeLimitMs?: number;
  /** Deepest nesting of expression evaluation, recursion included (default 1000). Exceeding it: U1001. */
  readonly maxDepth?: number;
  /** Longest string or array an evaluation may build (default 10,000,000). Exceeding it: U1002. */
  readonly maxOutputSize?: number;
  /** Extra functions by name (without the `$`). */
  readonly functions?: Readonly<Record<string, ExpressionFunction>>;
}

export interface CompiledExpression {
  readonly source: string;
  /** Evaluates against `input` with `bindings` as variables (`{ x: 1 }` is `$x`). */
  evaluate(input: unknown, bindings?: Readonly<Record<string, unknown>>): unknown;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  timeLimitMs: 1000,
  maxDepth: 1000,
  maxOutputSize: 10_000_000,
});

const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EVAL_CACHE_LIMIT = 200;

function positiveLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ExpressionError('invalid_option', `${name} must be a positive number`);
  }
  return value;
}

/** Holds the function scope and limits; compiles expressions that share them. */
export class ExpressionEngine {
  private readonly library = new Map<string, unknown>();
  private readonly limits: Limits;
  private readonly evalCache = new Map<string, Evaluator>();
  /** `$eval` for every evaluation of this engine (one closure, not one per evaluation). */
  private readonly evaluateInScope = (
    source: string,
    input: unknown,
    bindings: Readonly<Record<string, unknown>> | undefined,
    frame: Frame,
  ): unknown => this.evaluateSource(source, input, bindings, frame);

  constructor(options: ExpressionOptions = {}) {
    this.limits = {
      timeLimitMs: positiveLimit('timeLimitMs', options.timeLimitMs, DEFAULT_LIMITS.timeLimitMs),
      maxDepth: positiveLimit('maxDepth', options.maxDepth, DEFAULT_LIMITS.maxDepth),
      maxOutputSize: positiveLimit(
        'maxOutputSize',
        options.maxOutputSize,
        DEFAULT_LIMITS.maxOutputSize,
      ),
    };
    for (const [name, fn] of STANDARD_FUNCTIONS) this.library.set(name, nativeValue(fn));
    for (const [name, definition] of Object.entries(options.functions ?? {}))
      this.registerFunction(name, definition);
  }

  /** Adds (or replaces) `$name`. The signature is checked now, so a bad one fails at registration. */
  registerFunction(name: string, definition: ExpressionFunction): this {
    if (!FUNCTION_NAME.test(name)) {
      throw new ExpressionError(
        'invalid_option',
        `function name must be letters, digits or _ (got ${JSON.stringify(name).slice(0, 40)})`,
      );
    }
    if (typeof definition?.implementation !== 'function') {
      throw new ExpressionError('invalid_option', `function ${name} needs an implementation`);
    }
    if (definition.signature !== undefined) parseSignature(definition.signature);
    const native: NativeFunction = {
      name,
      signature: definition.signature,
      implementation: (args, context) => definition.implementation(args, context),
    };
    this.library.set(name, nativeValue(native));
    return this;
  }

  /** Parses and compiles; syntax errors are ExpressionError S0xxx with a position. */
  compile(source: string): CompiledExpression {
    if (typeof source !== 'string')
      throw new ExpressionError('invalid_option', 'expression source must be a string');
    const evaluator = this.compileSource(source);
    const run = (input: unknown, bindings?: Readonly<Record<string, unknown>>): unknown =>
      this.run(evaluator, input, bindings);
    return Object.freeze({ source, evaluate: run });
  }

  private compileSource(source: string): Evaluator {
    try {
      return compile(parse(source));
    } catch (error) {
      // absurdly nested source exhausts the host stack while parsing: report it as a limit
      throw hostError(error, this.limits);
    }
  }

  private run(
    evaluator: Evaluator,
    input: unknown,
    bindings: Readonly<Record<string, unknown>> | undefined,
  ): unknown {
    const state = new EvaluationState(this.limits, Date.now(), this.evaluateInScope);
    const root = new Frame(undefined, state, this.library, { input });
    if (bindings !== undefined)
      for (const [name, value] of Object.entries(bindings)) root.bind(name, value);
    let subject = input;
    if (Array.isArray(input) && !isSequence(input)) {
      const wrapped = sequenceOf(input);
      wrapped.outerWrapper = true;
      subject = wrapped;
    }
    try {
      return evaluator(subject, root);
    } catch (error) {
      throw hostError(error, this.limits);
    }
  }

  /** `$eval`: same engine, same evaluation (limits, clock), the caller's variables in scope. */
  private evaluateSource(
    source: string,
    input: unknown,
    bindings: Readonly<Record<string, unknown>> | undefined,
    frame: Frame,
  ): unknown {
    let evaluator = this.evalCache.get(source);
    if (evaluator === undefined) {
      evaluator = this.compileSource(source);
      if (this.evalCache.size >= EVAL_CACHE_LIMIT)
        this.evalCache.delete(this.evalCache.keys().next().value as string);
      this.evalCache.set(source, evaluator);
    }
    const scope = Frame.child(frame);
    if (bindings !== undefined)
      for (const [name, value] of Object.entries(bindings)) scope.bind(name, value);
    return evaluator(input, scope);
  }
}

/** The host's own limits (JS stack, string length) surface as the engine's limit errors. */
function hostError(error: unknown, limits: Limits): unknown {
  if (error instanceof RangeError) {
    if (/call stack/i.test(error.message)) return limitError('depth', limits.maxDepth);
    if (/invalid (string|array) length/i.test(error.message))
      return limitError('size', limits.maxOutputSize);
  }
  return error;
}

/** Compiles `source` with its own engine (standard library plus `options.functions`). */
export function compileExpression(source: string, options?: ExpressionOptions): CompiledExpression {
  return new ExpressionEngine(options).compile(source);
}
