// Function values (lambdas, library functions, partial applications, chains, regexes) and
// how they are applied: argument validation, tail calls through a trampoline, the CallContext
// a library function sees.
import {
  brandFunction,
  isFunctionValue,
  type CallContext,
  type NativeFunction,
  type RegexValue,
} from '../contract.js';
import { parseSignature, validateArguments, type ParsedSignature } from '../functions/index.js';
import { expressionError } from '../messages.js';
import { Frame } from './environment.js';

export type Evaluator = (input: unknown, frame: Frame) => unknown;

export interface LambdaValue {
  readonly kind: 'lambda';
  readonly params: readonly string[];
  readonly body: Evaluator;
  readonly frame: Frame;
  readonly input: unknown;
  readonly signature: string | undefined;
}

export interface NativeValue {
  readonly kind: 'native';
  readonly native: NativeFunction;
  /** The signature, parsed on first call (saves a cache lookup by text on every call). */
  parsed?: ParsedSignature;
}

/** `$f(?, 2)`: holes (undefined slots listed in `holes`) are filled left to right. */
export interface PartialValue {
  readonly kind: 'partial';
  readonly target: FunctionValue;
  readonly args: readonly unknown[];
  readonly holes: readonly number[];
}

/** `$f ~> $g` with both sides functions: λ($x){ $g($f($x)) }. */
export interface ChainValue {
  readonly kind: 'chain';
  readonly first: FunctionValue;
  readonly second: FunctionValue;
}

export interface RegexFunctionValue extends RegexValue {
  readonly kind: 'regex';
}

/** A pending tail call, returned from a lambda body and run by the trampoline in `apply`. */
export interface TailCall {
  readonly kind: 'tail-call';
  readonly procedure: Evaluator;
  readonly args: readonly Evaluator[];
  readonly input: unknown;
  readonly frame: Frame;
  readonly name: string | undefined;
  readonly position: number;
}

export type FunctionValue =
  LambdaValue | NativeValue | PartialValue | ChainValue | RegexFunctionValue;

const TAIL_CALL = Symbol('weft.expression.tail-call');

export function makeFunction<T extends FunctionValue>(value: T): T {
  return brandFunction(value);
}

export function makeTailCall(call: Omit<TailCall, 'kind'>): TailCall {
  const value = { kind: 'tail-call', ...call } as TailCall;
  Object.defineProperty(value, TAIL_CALL, { value: true });
  return value;
}

function isTailCall(value: unknown): value is TailCall {
  return typeof value === 'object' && value !== null && TAIL_CALL in value;
}

/** Library signatures parsed once per text, shared by every engine. */
const librarySignatures = new Map<string, ParsedSignature>();

function signatureOf(text: string): ParsedSignature {
  let parsed = librarySignatures.get(text);
  if (parsed === undefined) {
    parsed = parseSignature(text);
    // registered functions may bring their own texts: bound the table
    if (librarySignatures.size >= 1000) librarySignatures.clear();
    librarySignatures.set(text, parsed);
  }
  return parsed;
}

export function nativeValue(native: NativeFunction): NativeValue {
  return makeFunction({ kind: 'native', native });
}

/** Applies any function value; runs tail calls in a loop so recursion in tail position never grows the stack. */
export function apply(
  fn: unknown,
  args: unknown[],
  input: unknown,
  frame: Frame,
  name?: string,
): unknown {
  let result = applyOnce(fn, args, input, frame, name);
  while (isTailCall(result)) {
    const call: TailCall = result;
    frame.state.tick();
    const next = call.procedure(call.input, call.frame);
    const nextArgs = call.args.map((arg) => arg(call.input, call.frame));
    try {
      result = applyOnce(next, nextArgs, input, frame, call.name);
    } catch (error) {
      throw locate(error, call.position, call.name);
    }
  }
  return result;
}

/** Fills in where an error happened (the innermost call that knows wins). */
export function locate(error: unknown, position: number, token: string | undefined): unknown {
  const details = (error as { details?: { position?: number; token?: string } } | null)?.details;
  if (details && typeof details === 'object') {
    if (details.position === undefined) details.position = position;
    if (details.token === undefined && token !== undefined) details.token = token;
  }
  return error;
}

function applyOnce(
  fn: unknown,
  args: unknown[],
  input: unknown,
  frame: Frame,
  name?: string,
): unknown {
  if (!isFunctionValue(fn)) throw expressionError('T1006', { token: name });
  const value = fn as FunctionValue;
  switch (value.kind) {
    case 'lambda': {
      const validated =
        value.signature === undefined
          ? args
          : validateArguments(value.signature, args, input, name ?? 'lambda');
      const scope = Frame.child(value.frame);
      for (let i = 0; i < value.params.length; i++)
        scope.bind(value.params[i] as string, validated[i]);
      return value.body(value.input, scope);
    }
    case 'native': {
      const { native } = value;
      const label = name ?? native.name;
      let validated = args;
      if (native.signature !== undefined) {
        const parsed = (value.parsed ??= signatureOf(native.signature));
        validated = parsed.validate(args, input, label);
      }
      return native.implementation(validated, new Call(frame, input));
    }
    case 'partial': {
      const filled = value.args.slice();
      let next = 0;
      for (const hole of value.holes) filled[hole] = args[next++];
      return applyOnce(value.target, filled, input, frame, name);
    }
    case 'chain':
      return apply(value.second, [apply(value.first, args, input, frame)], input, frame);
    case 'regex':
      return matchFunction(value, args[0], frame);
  }
}

/** Calling a regex literal as a function: the first match as {match, start, end, groups, next}. */
function matchFunction(regex: RegexFunctionValue, text: unknown, frame: Frame, from = 0): unknown {
  if (typeof text !== 'string') return undefined;
  const found = frame.state.regex.matchAll(regex, text.substring(from), 1)[0];
  if (found === undefined) return undefined;
  const start = found.index + from;
  const end = start + found.match.length;
  const result = Object.create(null) as Record<string, unknown>;
  result.match = found.match;
  result.start = start;
  result.end = end;
  result.groups = found.groups;
  result.next = nativeValue({
    name: 'next',
    implementation: () => {
      if (end >= text.length) return undefined;
      const following = matchFunction(regex, text, frame, end) as { match?: string } | undefined;
      if (following && following.match === '')
        throw expressionError('D1004', { value: regex.source });
      return following;
    },
  });
  return result;
}

/** How many parameters a function value declares (what $map and friends pass it). */
export function arity(fn: unknown): number {
  if (!isFunctionValue(fn)) return 0;
  const value = fn as FunctionValue;
  switch (value.kind) {
    case 'lambda':
      return value.params.length;
    case 'native':
      return signatureArity(value.native.signature);
    case 'partial':
      return value.holes.length;
    case 'chain':
      return arity(value.first);
    case 'regex':
      return 1;
  }
}

/** Counts the mandatory parameters of a signature like `<s-nn?:s>` (2 here). */
export function signatureArity(signature: string | undefined): number {
  if (signature === undefined) return 0;
  const params = signature.replace(/^</, '').split(':')[0] ?? '';
  let count = 0;
  let depth = 0;
  for (let i = 0; i < params.length; i++) {
    const ch = params[i] as string;
    if (ch === '<' || ch === '(') depth++;
    else if (ch === '>' || ch === ')') {
      depth--;
      if (depth === 0 && ch === ')' && params[i + 1] !== '?') count++;
    } else if (depth === 0 && /[a-z]/.test(ch) && params[i + 1] !== '?') count++;
  }
  return count;
}

/** The CallContext for one call of a library function made at `frame` on `input`. */
export function callContext(frame: Frame, input: unknown): CallContext {
  return new Call(frame, input);
}

/** What a library function may ask of the evaluator during one call. */
class Call implements CallContext {
  constructor(
    private readonly frame: Frame,
    readonly input: unknown,
  ) {}
  get now(): number {
    return this.frame.state.now;
  }
  get regex(): CallContext['regex'] {
    return this.frame.state.regex;
  }
  apply(fn: unknown, args: readonly unknown[]): unknown {
    return apply(fn, args.slice(), this.input, this.frame);
  }
  arity(fn: unknown): number {
    return arity(fn);
  }
  evaluate(
    expression: string,
    input: unknown,
    bindings?: Readonly<Record<string, unknown>>,
  ): unknown {
    return this.frame.state.evaluateSource(expression, input, bindings, this.frame);
  }
  charge(size?: number): void {
    this.frame.state.charge(size);
  }
}
