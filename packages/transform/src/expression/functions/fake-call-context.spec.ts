// Test support for the function library (not a test suite: the `.spec.ts` suffix keeps it out of
// the build and out of jest's test match). A fake CallContext, test-only function values, and
// a tiny reader for conformance expressions that are plain calls of built-in functions with
// literal arguments, e.g. `$formatInteger(1234, '#,##0')`.
//
// The fake RegexRunner wraps the host RegExp: tests only. The library itself never builds a
// RegExp from a regex value.

import {
  brandFunction,
  createRegexValue,
  isSequence,
  type CallContext,
  type RegexValue,
} from '../contract.js';
import { STANDARD_FUNCTIONS, validateArguments } from './index.js';

export interface TestFunction {
  readonly arity: number;
  call(...args: unknown[]): unknown;
}

/** A JSONata function value for tests, with a declared arity. */
export function fn(arity: number, call: (...args: unknown[]) => unknown): TestFunction {
  return brandFunction({ arity, call });
}

export function runRegex(regex: RegexValue, text: string, limit?: number) {
  const matcher = new RegExp(
    regex.source,
    regex.flags.includes('g') ? regex.flags : `${regex.flags}g`,
  );
  const results: Array<{ match: string; index: number; groups: string[] }> = [];
  let found: RegExpExecArray | null;
  while ((limit === undefined || results.length < limit) && (found = matcher.exec(text)) !== null) {
    results.push({ match: found[0], index: found.index, groups: found.slice(1) as string[] });
    if (found[0] === '') matcher.lastIndex++;
  }
  return results;
}

export interface FakeContext extends CallContext {
  charged: number;
}

export function fakeContext(
  options: Partial<Pick<CallContext, 'input' | 'now' | 'evaluate'>> = {},
): FakeContext {
  const context: FakeContext = {
    charged: 0,
    input: options.input,
    now: options.now ?? Date.UTC(2018, 9, 21, 12, 30, 15, 123),
    apply(callee, args) {
      if (typeof callee === 'object' && callee !== null && 'call' in callee) {
        return (callee as TestFunction).call(...args);
      }
      const native =
        typeof callee === 'object' && callee !== null && 'implementation' in callee
          ? callee
          : undefined;
      if (native) return invoke((native as unknown as { name: string }).name, [...args], context);
      throw new Error('not a test function');
    },
    arity(callee) {
      if (typeof callee === 'object' && callee !== null && 'arity' in callee)
        return (callee as TestFunction).arity;
      return 1;
    },
    evaluate: options.evaluate ?? (() => undefined),
    charge(size = 1) {
      context.charged += size;
    },
    regex: { matchAll: runRegex },
  };
  return context;
}

/** Calls a built-in as the core would: validate against the signature, then run. */
export function invoke(
  name: string,
  args: unknown[],
  context: CallContext = fakeContext(),
): unknown {
  const definition = STANDARD_FUNCTIONS.get(name);
  if (!definition) throw new Error(`no function ${name}`);
  const validated = definition.signature
    ? validateArguments(definition.signature, args, context.input, name)
    : args;
  return definition.implementation(validated, context);
}

/** What a result looks like when it leaves the evaluator (singleton sequences unwrapped). */
export function leaving(value: unknown): unknown {
  if (isSequence(value)) {
    if (value.length === 0) return undefined;
    if (value.length === 1 && !value.keepSingleton) return leaving(value[0]);
  }
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value) ?? 'null');
}

class LiteralCallReader {
  private position = 0;
  constructor(
    private readonly text: string,
    private readonly context: CallContext,
  ) {}

  read(): unknown {
    const value = this.value();
    this.skip();
    if (this.position !== this.text.length) throw new Error('unsupported');
    return value;
  }

  private skip(): void {
    while (/\s/.test(this.text.charAt(this.position))) this.position++;
  }

  private value(): unknown {
    this.skip();
    const char = this.text.charAt(this.position);
    if (char === '"' || char === "'") return this.string(char);
    if (char === '[') return this.list(']', () => this.value());
    if (char === '{') return this.object();
    if (char === '$') return this.call();
    if (char === '/') return this.regex();
    const rest = this.text.substring(this.position);
    const number = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(rest);
    if (number) {
      this.position += number[0].length;
      return Number(number[0]);
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (rest.startsWith(word)) {
        this.position += word.length;
        return value;
      }
    }
    throw new Error('unsupported');
  }

  private string(quote: string): string {
    let end = this.position + 1;
    let body = '';
    while (this.text.charAt(end) !== quote) {
      if (end >= this.text.length) throw new Error('unsupported');
      if (this.text.charAt(end) === '\\') {
        body += this.text.substring(end, end + 2);
        end += 2;
      } else {
        const char = this.text.charAt(end);
        body +=
          char === '"'
            ? '\\"'
            : char < ' '
              ? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
              : char;
        end++;
      }
    }
    this.position = end + 1;
    return JSON.parse(`"${body.replace(/\\'/g, "'")}"`) as string;
  }

  private list(close: string, item: () => unknown): unknown[] {
    this.position++;
    const items: unknown[] = [];
    this.skip();
    if (this.text.charAt(this.position) === close) {
      this.position++;
      return items;
    }
    for (;;) {
      items.push(item());
      this.skip();
      const char = this.text.charAt(this.position++);
      if (char === close) return items;
      if (char !== ',') throw new Error('unsupported');
    }
  }

  private object(): Record<string, unknown> {
    const entries = this.list('}', () => {
      this.skip();
      const key = this.value();
      this.skip();
      if (typeof key !== 'string' || this.text.charAt(this.position++) !== ':')
        throw new Error('unsupported');
      return [key, this.value()];
    }) as Array<[string, unknown]>;
    return Object.fromEntries(entries);
  }

  private call(): unknown {
    const name = /^\$(\w+)\(/.exec(this.text.substring(this.position));
    if (!name?.[1] || !STANDARD_FUNCTIONS.has(name[1])) throw new Error('unsupported');
    this.position += name[0].length - 1;
    const args = this.list(')', () => this.value());
    return leaving(invoke(name[1], args, this.context));
  }

  private regex(): RegexValue {
    const body = /^\/((?:\\.|[^/\\])+)\/([im]*)/.exec(this.text.substring(this.position));
    if (!body?.[1]) throw new Error('unsupported');
    this.position += body[0].length;
    return createRegexValue(body[1], body[2] ?? '');
  }
}

/** Whether an expression is within what the reader understands (checked without calling). */
export function isLiteralCall(expression: string): boolean {
  const probe = fakeContext();
  probe.apply = () => undefined;
  try {
    new LiteralCallReader(expression.trim(), { ...probe, regex: { matchAll: () => [] } }).read();
    return true;
  } catch (error) {
    return !(error instanceof Error && error.message === 'unsupported');
  }
}

/** Evaluates a literal-call expression against `input`. */
export function evaluateLiteralCall(expression: string, input: unknown): unknown {
  return leaving(new LiteralCallReader(expression.trim(), fakeContext({ input })).read());
}
