// The function signature mini-language (`<s-nn?:s>`): parsing and argument validation with
// the reference's semantics and error codes. The reference compiles a signature into a
// RegExp over one type letter per argument; this matcher does the same greedy, backtracking
// match by hand (memoised, so a hostile lambda signature cannot make it exponential) and never
// builds a RegExp from signature text.

import { ExpressionError, isFunctionValue } from '../contract.js';
import { typeSymbol } from './values.js';

type Quantifier = 'one' | 'optional' | 'some';

interface SignatureParameter {
  /** The signature symbol: s n b l o a f j x, or a choice such as `(sf)`. */
  type: string;
  /** Type letters this parameter accepts, `m` (missing) included where the reference allows it. */
  accepts: string;
  quantifier: Quantifier;
  /** `-`: when the argument is missing, the context item is used. */
  usesContext: boolean;
  /** The type parameter of `a<n>` or `f<n:n>`. */
  subtype?: string;
}

export interface ParsedSignature {
  readonly definition: string;
  /**
   * Checks `args` and returns them adjusted (context filled in, non-arrays wrapped for `a`).
   * `owned`: the caller built `args` for this one call, so when they need no adjusting they
   * are returned as they are instead of copied.
   */
  validate(args: readonly unknown[], context: unknown, name?: string, owned?: boolean): unknown[];
}

const ARRAY_TYPE_NAMES: Readonly<Record<string, string>> = {
  a: 'arrays',
  b: 'booleans',
  f: 'functions',
  n: 'numbers',
  o: 'objects',
  s: 'strings',
};

const SIMPLE_TYPES: Readonly<Record<string, string>> = {
  s: 'sm',
  n: 'nm',
  b: 'bm',
  l: 'lm',
  o: 'om',
  a: 'asnblfom',
  f: 'f',
  j: 'asnblom',
  x: 'asnblfom',
};

function closingBracket(text: string, start: number, open: string, close: string): number {
  let depth = 1;
  let position = start;
  while (position < text.length) {
    position++;
    const symbol = text.charAt(position);
    if (symbol === close) {
      depth--;
      if (depth === 0) break;
    } else if (symbol === open) {
      depth++;
    }
  }
  return position;
}

function parseParameters(signature: string): SignatureParameter[] {
  const parameters: SignatureParameter[] = [];
  let previous: SignatureParameter | undefined;
  const push = (parameter: SignatureParameter): void => {
    parameters.push(parameter);
    previous = parameter;
  };
  let position = 1;
  while (position < signature.length) {
    const symbol = signature.charAt(position);
    if (symbol === ':') break; // the return type is not checked, as in the reference
    const simple = Object.hasOwn(SIMPLE_TYPES, symbol) ? SIMPLE_TYPES[symbol] : undefined;
    if (simple !== undefined) {
      push({ type: symbol, accepts: simple, quantifier: 'one', usesContext: false });
    } else if (symbol === '-' && previous) {
      previous.usesContext = true;
      previous.quantifier = 'optional';
    } else if ((symbol === '?' || symbol === '+') && previous) {
      previous.quantifier = symbol === '?' ? 'optional' : 'some';
    } else if (symbol === '(') {
      const end = closingBracket(signature, position, '(', ')');
      const choice = signature.substring(position + 1, end);
      if (choice.includes('<')) {
        throw new ExpressionError(
          'S0402',
          'Choice groups containing parameterized types are not supported',
          {
            value: choice,
            position,
          },
        );
      }
      push({ type: `(${choice})`, accepts: `${choice}m`, quantifier: 'one', usesContext: false });
      position = end;
    } else if (symbol === '<') {
      if (previous?.type !== 'a' && previous?.type !== 'f') {
        throw new ExpressionError(
          'S0401',
          'Type parameters can only be applied to functions and arrays',
          {
            value: previous?.type,
            position,
          },
        );
      }
      const end = closingBracket(signature, position, '<', '>');
      previous.subtype = signature.substring(position + 1, end);
      position = end;
    }
    position++;
  }
  return parameters;
}

/**
 * Matches the argument type letters against the parameters the way the reference's regex
 * `^(p1)(p2)…$` would: greedy, first alternative first. Returns how many letters each
 * parameter took, or undefined. With `anchored` false it matches a prefix (for error reporting).
 */
function matchLetters(
  parameters: readonly SignatureParameter[],
  letters: string,
  anchored: boolean,
): number[] | undefined {
  const failed = new Set<number>();
  const taken: number[] = [];
  const visit = (index: number, position: number): boolean => {
    if (index === parameters.length) return !anchored || position === letters.length;
    const key = index * (letters.length + 1) + position;
    if (failed.has(key)) return false;
    const parameter = parameters[index] as SignatureParameter;
    let run = 0;
    while (
      position + run < letters.length &&
      parameter.accepts.includes(letters.charAt(position + run))
    ) {
      run++;
    }
    const longest = parameter.quantifier === 'some' ? run : Math.min(run, 1);
    const shortest = parameter.quantifier === 'optional' ? 0 : 1;
    for (let length = longest; length >= shortest; length--) {
      taken[index] = length;
      if (visit(index + 1, position + length)) return true;
    }
    failed.add(key);
    return false;
  };
  return visit(0, 0) ? taken.slice(0, parameters.length) : undefined;
}

function mismatch(
  parameters: readonly SignatureParameter[],
  args: readonly unknown[],
  letters: string,
  name: string,
): never {
  // Find the first parameter whose prefix no longer matches; the argument there is the culprit.
  let goodTo = 0;
  for (let count = 1; count <= parameters.length; count++) {
    const taken = matchLetters(parameters.slice(0, count), letters, false);
    if (!taken) break;
    goodTo = taken.reduce((sum, length) => sum + length, 0);
  }
  throw new ExpressionError(
    'T0410',
    `Argument ${goodTo + 1} of function ${name} does not match function signature`,
    { value: args[goodTo], index: goodTo + 1, token: name },
  );
}

/** Item types whose letter is decided by `typeof` alone (a function value is an object). */
const PRIMITIVE_ITEM_TYPES: Readonly<Record<string, string | undefined>> = Object.assign(
  Object.create(null) as Record<string, string>,
  { n: 'number', s: 'string', b: 'boolean' },
);

function checkArrayItems(
  parameter: SignatureParameter,
  arg: unknown,
  letter: string,
  matched: string,
): boolean {
  if (parameter.subtype === undefined) return true;
  if (letter !== 'a') return matched === parameter.subtype;
  const items = arg as unknown[];
  if (items.length === 0) return true;
  // the common typed arrays without a call per item
  const primitive = PRIMITIVE_ITEM_TYPES[parameter.subtype.charAt(0)];
  if (primitive !== undefined) {
    for (let i = 0; i < items.length; i++) if (typeof items[i] !== primitive) return false;
    return true;
  }
  const itemType = typeSymbol(items[0]);
  if (itemType !== parameter.subtype.charAt(0)) return false;
  return items.every((item) => typeSymbol(item) === itemType);
}

function arrayItemError(
  parameter: SignatureParameter,
  arg: unknown,
  position: number,
  name: string,
): never {
  const itemType = parameter.subtype ?? '';
  const plural = Object.hasOwn(ARRAY_TYPE_NAMES, itemType) ? ARRAY_TYPE_NAMES[itemType] : itemType;
  throw new ExpressionError(
    'T0412',
    `Argument ${position} of function ${name} must be an array of ${plural}`,
    { value: arg, index: position, token: name },
  );
}

/**
 * How one argument-type string validates. `direct`: the validated arguments are the arguments
 * themselves followed by `missing` undefineds (no context item, no array wrapping or item
 * check), so no per-parameter work is needed.
 */
interface MatchPlan {
  readonly taken: number[];
  readonly direct: boolean;
  readonly missing: number;
}

function planFor(
  parameters: readonly SignatureParameter[],
  taken: number[],
  letters: string,
): MatchPlan {
  let direct = true;
  let missing = 0;
  let argIndex = 0;
  let letterIndex = 0;
  for (let index = 0; index < parameters.length && direct; index++) {
    const parameter = parameters[index] as SignatureParameter;
    const length = taken[index] ?? 0;
    if (length === 0) {
      // a context fill, or an unmatched optional consuming a slot that holds an argument
      if (parameter.usesContext || argIndex < letters.length) direct = false;
      missing++;
      argIndex++;
      continue;
    }
    if (parameter.type === 'a') {
      for (let i = 0; i < length; i++) if (letters.charAt(letterIndex + i) !== 'a') direct = false;
      if (parameter.subtype !== undefined) direct = false;
    }
    letterIndex += length;
    argIndex += length;
  }
  return { taken, direct: direct && letterIndex === letters.length, missing };
}

/**
 * `typeSymbol` as a digit 1–8 (never 0, so argument lists of different lengths differ):
 * s n b l a o f m.
 */
function typeCode(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 1;
    case 'number':
      return 2;
    case 'boolean':
      return 3;
    case 'function':
      return 7;
    case 'object':
      if (value === null) return 4;
      if (isFunctionValue(value)) return 7;
      return Array.isArray(value) ? 5 : 6;
    default:
      return 8;
  }
}
/** Beyond this many arguments the numeric key could overflow 2^53: use the letters. */
const MAX_KEYED_ARGUMENTS = 12;

/** A parsed signature with its matches memoised per argument-type string (the hot path). */
class Signature implements ParsedSignature {
  private readonly matches = new Map<string, MatchPlan | null>();
  // the last argument types seen, as a number: a call site usually passes the same types
  private lastKey = -1;
  private lastLetters = '';
  private lastPlan: MatchPlan | null = null;

  constructor(
    readonly definition: string,
    private readonly parameters: readonly SignatureParameter[],
  ) {}

  private match(letters: string): MatchPlan | null {
    let plan = this.matches.get(letters);
    if (plan === undefined) {
      const taken = matchLetters(this.parameters, letters, true);
      plan = taken ? planFor(this.parameters, taken, letters) : null;
      // Few distinct type strings occur per signature; bound the memo all the same.
      if (this.matches.size >= 64) this.matches.clear();
      this.matches.set(letters, plan);
    }
    return plan;
  }

  validate(
    args: readonly unknown[],
    context: unknown,
    name = 'anonymous',
    owned = false,
  ): unknown[] {
    let key = 0;
    if (args.length <= MAX_KEYED_ARGUMENTS)
      for (let i = 0; i < args.length; i++) key = key * 16 + typeCode(args[i]);
    let letters: string;
    let plan: MatchPlan | null;
    if (key === this.lastKey && key !== 0) {
      letters = this.lastLetters;
      plan = this.lastPlan;
    } else {
      letters = '';
      for (let i = 0; i < args.length; i++) letters += typeSymbol(args[i]);
      plan = this.match(letters);
      if (key !== 0) {
        this.lastKey = key;
        this.lastLetters = letters;
        this.lastPlan = plan;
      }
    }
    if (!plan) return mismatch(this.parameters, args, letters, name);
    if (plan.direct) {
      if (owned && plan.missing === 0) return args as unknown[];
      const validated = args.slice();
      for (let i = 0; i < plan.missing; i++) validated.push(undefined);
      return validated;
    }
    const taken = plan.taken;
    const validated: unknown[] = [];
    let argIndex = 0;
    let letterIndex = 0;
    for (let index = 0; index < this.parameters.length; index++) {
      const parameter = this.parameters[index] as SignatureParameter;
      const length = taken[index] ?? 0;
      if (length === 0) {
        if (parameter.usesContext) {
          if (!parameter.accepts.includes(typeSymbol(context))) {
            throw new ExpressionError(
              'T0411',
              `Context value is not a compatible type with argument ${argIndex + 1} of function ${name}`,
              { value: context, index: argIndex + 1, token: name },
            );
          }
          validated.push(context);
        } else {
          // The reference consumes an argument slot even for an unmatched optional parameter.
          validated.push(args[argIndex]);
          argIndex++;
        }
        continue;
      }
      // Letters and argument slots can drift apart (see above), so each keeps its own index.
      const matched = letters.substring(letterIndex, letterIndex + length);
      letterIndex += length;
      for (let i = 0; i < length; i++) {
        const letter = matched.charAt(i);
        let arg = args[argIndex];
        if (parameter.type === 'a') {
          if (letter === 'm') {
            arg = undefined;
          } else {
            if (!checkArrayItems(parameter, arg, letter, matched))
              arrayItemError(parameter, arg, argIndex + 1, name);
            if (letter !== 'a') arg = [arg];
          }
        }
        validated.push(arg);
        argIndex++;
      }
    }
    return validated;
  }
}

/** Parses a signature such as `<s-nn?:s>` (S0401/S0402 for malformed type parameters). */
export function parseSignature(signature: string): ParsedSignature {
  return new Signature(signature, parseParameters(signature));
}

const parsedSignatures = new Map<string, ParsedSignature>();
const CACHE_LIMIT = 1000;

/**
 * Validates the arguments of a call to `name` against `signature` (parsed once and cached),
 * filling `-` parameters from `context`. Throws T0410, T0411 or T0412 as the reference does.
 */
export function validateArguments(
  signature: string,
  args: unknown[],
  context: unknown,
  name: string,
): unknown[] {
  let parsed = parsedSignatures.get(signature);
  if (!parsed) {
    parsed = parseSignature(signature);
    // Lambda signatures come from user expressions: bound the cache rather than grow forever.
    if (parsedSignatures.size >= CACHE_LIMIT) parsedSignatures.clear();
    parsedSignatures.set(signature, parsed);
  }
  return parsed.validate(args, context, name);
}
