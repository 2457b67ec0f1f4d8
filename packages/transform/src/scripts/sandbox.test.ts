import { readFileSync } from 'node:fs';
import {
  createScriptSandbox,
  DEFAULT_SCRIPT_LIMITS,
  ScriptError,
  type ScriptSandbox,
} from './index.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/scripts/${name}`, import.meta.url), 'utf8');

function failure(run: () => unknown): ScriptError {
  try {
    run();
  } catch (error) {
    if (ScriptError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a ScriptError');
}

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox({ timeLimitMs: 300 });
});
afterAll(() => sandbox.dispose());

describe('createScriptSandbox', () => {
  it('applies defaults and checks options before loading anything', async () => {
    expect(sandbox.limits).toEqual({ ...DEFAULT_SCRIPT_LIMITS, timeLimitMs: 300 });
    await expect(createScriptSandbox({ timeLimitMs: 0 })).rejects.toMatchObject({
      code: 'invalid_option',
    });
    await expect(createScriptSandbox({ memoryLimitBytes: 1.5 })).rejects.toMatchObject({
      code: 'invalid_option',
    });
    await expect(createScriptSandbox({ maxStackBytes: 1024 * 1024 })).rejects.toMatchObject({
      code: 'invalid_option',
    });
    await expect(createScriptSandbox({ nope: 1 } as never)).rejects.toThrow(
      'unknown script sandbox option "nope"',
    );
  });

  it('refuses bad compile options', () => {
    expect(
      failure(() => sandbox.compile('function transform(r) { return r }', { name: '' })).code,
    ).toBe('invalid_option');
    expect(
      failure(() => sandbox.compile('function transform(r) { return r }', { name: 'a\nb' })).code,
    ).toBe('invalid_option');
    expect(failure(() => sandbox.compile(42 as never, { name: 'n' })).code).toBe('invalid_option');
    expect(failure(() => sandbox.compile('', { name: 'n', shape: 'module' as never })).code).toBe(
      'invalid_option',
    );
  });
});

describe('compile', () => {
  it('reports a syntax error with the script name, line and column', () => {
    const error = failure(() =>
      sandbox.compile('function transform(r) {\n  return 1 +;\n}', { name: 'broken.js' }),
    );
    expect(error).toMatchObject({
      code: 'script_syntax',
      scriptName: 'broken.js',
      line: 2,
      column: 13,
    });
    expect(error.message).toMatch(/^script "broken\.js": syntax error at line 2, column 13: /);
  });

  it('maps positions in the body shape back to the user text', () => {
    const error = failure(() => sandbox.compile('return 1 +;', { name: 'body.js', shape: 'body' }));
    expect(error).toMatchObject({ code: 'script_syntax', line: 1, column: 11 });
  });

  it('refuses a script without a transform function', () => {
    const error = failure(() => sandbox.compile('const transform = 3;', { name: 'shape.js' }));
    expect(error.code).toBe('script_invalid');
    expect(error.message).toContain('shape.js');
  });

  it('reports an error thrown by top-level code', () => {
    const error = failure(() =>
      sandbox.compile('throw new Error("no config");\nfunction transform() {}', { name: 'top.js' }),
    );
    expect(error).toMatchObject({ code: 'script_failed', line: 1 });
    expect(error.message).toContain('while running its top-level code');
    expect(error.message).toContain('Error: no config');
  });
});

describe('run', () => {
  it('runs a realistic script with bindings and captures its logs', () => {
    const script = sandbox.compile(fixture('order-total.js'), { name: 'order-total.js' });
    const record = {
      id: 'A-1',
      country: 'FR',
      lines: [
        { sku: 'x', price: '1.10', quantity: 3 },
        { sku: 'y', price: 2, quantity: 1 },
      ],
    };
    const result = script.run(record, { countries: { FR: 'France' } });
    expect(result.value).toEqual({
      id: 'A-1',
      country: 'France',
      lines: [
        { sku: 'x', cents: 330 },
        { sku: 'y', cents: 200 },
      ],
      totalCents: 530,
    });
    expect(result.logs).toEqual(['order A-1 has 2 lines']);
    expect(record.lines[0]).toEqual({ sku: 'x', price: '1.10', quantity: 3 }); // a copy went in
    script.dispose();
  });

  it('runs scripts in strict mode', () => {
    const script = sandbox.compile('function transform() { undeclared = 1; return 1; }', {
      name: 'strict.js',
    });
    expect(failure(() => script.run({})).message).toMatch(
      /ReferenceError: '?undeclared'? is not defined/,
    );
    const body = sandbox.compile('return [typeof this, (function () { return typeof this; })()];', {
      name: 'this.js',
      shape: 'body',
    });
    expect(body.run({}).value).toEqual(['undefined', 'undefined']);
  });

  it('runs the body shape', () => {
    const script = sandbox.compile('return { sum: record.a + record.b, k: bindings.k };', {
      name: 'sum',
      shape: 'body',
    });
    expect(script.run({ a: 2, b: 3 }, { k: 'v' }).value).toEqual({ sum: 5, k: 'v' });
    expect(script.run({ a: -2, b: 3 }).value).toEqual({ sum: 1 });
  });

  it('turns a thrown error into script_failed with the message and line', () => {
    const script = sandbox.compile(fixture('thrower.js'), { name: 'thrower.js' });
    const error = failure(() => script.run({ amount: 'ten' }));
    expect(error).toMatchObject({ code: 'script_failed', scriptName: 'thrower.js', line: 4 });
    expect(error.message).toMatch(
      /^script "thrower\.js" failed at line 4, column \d+: TypeError: amount must be a number$/,
    );
    expect(script.run({ amount: 10 }).value).toEqual({ amount: 10 });
  });

  it('caps a thrown message and thrown non-errors', () => {
    const long = sandbox.compile('throw new Error("x".repeat(100000));', {
      name: 'long',
      shape: 'body',
    });
    expect(failure(() => long.run({})).message.length).toBeLessThan(1000);
    const thrownString = sandbox.compile('throw "plain";', { name: 'plain', shape: 'body' });
    expect(failure(() => thrownString.run({})).message).toBe('script "plain" failed: plain');
  });

  it("keeps a script's globals between its own runs, and never between scripts", () => {
    const counter = sandbox.compile(
      'let n = 0;\nfunction transform() { n += 1; globalThis.shared = n; return n; }',
      { name: 'counter' },
    );
    const reader = sandbox.compile('function transform() { return typeof shared; }', {
      name: 'reader',
    });
    expect([counter.run({}).value, counter.run({}).value, counter.run({}).value]).toEqual([
      1, 2, 3,
    ]);
    expect(reader.run({}).value).toBe('undefined');
  });

  it('hands bindings in deep-frozen, and refreshes them when they change', () => {
    const script = sandbox.compile(
      'function transform(record, bindings) { try { bindings.table.a = 9; } catch (e) { return [e.name, bindings.table.a]; } return "mutated"; }',
      { name: 'frozen' },
    );
    const bindings = { table: { a: 1 } };
    expect(script.run({}, bindings).value).toEqual(['TypeError', 1]);
    bindings.table.a = 2;
    expect(script.run({}, bindings).value).toEqual(['TypeError', 2]);
  });

  it('refuses input that is not JSON-like data', () => {
    const script = sandbox.compile('return record;', { name: 'echo', shape: 'body' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = 1;
    for (let i = 0; i < 300; i += 1) deep = [deep];
    const cases: [unknown, RegExp][] = [
      [{ f: () => 1 }, /a function is not JSON-representable \(at f\)/],
      [{ n: Number.NaN }, /the number NaN/],
      [{ big: 1n }, /a BigInt/],
      [cyclic, /a cycle/],
      [[1, undefined], /undefined is not JSON-representable \(at \[1\]\)/],
      [new Map(), /a Map/],
      [deep, /nesting deeper than 256 levels/],
      [undefined, /undefined/],
    ];
    for (const [input, message] of cases) {
      const error = failure(() => script.run(input));
      expect(error.code).toBe('script_input');
      expect(error.message).toMatch(message);
    }
    expect(failure(() => script.run({}, { f: Symbol('s') })).message).toMatch(
      /the bindings cannot be handed/,
    );
    expect(script.run({ when: new Date(0), gone: undefined }).value).toEqual({
      when: '1970-01-01T00:00:00.000Z',
    });
  });

  it('refuses a record larger than maxInputBytes', async () => {
    const small = await createScriptSandbox({ maxInputBytes: 100, maxOutputBytes: 100 });
    try {
      const echo = small.compile('return record;', { name: 'echo', shape: 'body' });
      expect(echo.run({ s: 'é'.repeat(40) }).value).toEqual({ s: 'é'.repeat(40) });
      expect(failure(() => echo.run({ s: 'é'.repeat(60) })).code).toBe('script_input');
      const big = small.compile('return "x".repeat(200);', { name: 'big', shape: 'body' });
      expect(failure(() => big.run({}))).toMatchObject({ code: 'script_output' });
    } finally {
      small.dispose();
    }
  });

  it('refuses results that are not JSON-like data, naming where', () => {
    const cases: [string, RegExp][] = [
      ['return { a: [1, function () {}] };', /a function is not JSON-representable \(at a\[1\]\)/],
      ['return { s: Symbol("x") };', /a symbol/],
      ['const o = {}; o.self = o; return o;', /a cycle is not JSON-representable \(at self\)/],
      ['return undefined;', /returned undefined/],
      ['return [undefined];', /undefined is not JSON-representable \(at \[0\]\)/],
      ['return { m: new Map() };', /neither a plain object nor an array/],
      ['return { p: Promise.resolve(1) };', /a Promise/],
      ['return 1n;', /a BigInt/],
      ['return Infinity;', /the number Infinity/],
    ];
    for (const [body, message] of cases) {
      const error = failure(() => sandbox.compile(body, { name: 'out', shape: 'body' }).run({}));
      expect(error.code).toBe('script_output');
      expect(error.message).toMatch(message);
    }
  });

  it('returns fresh plain data: "__proto__" stays an ordinary key', () => {
    const script = sandbox.compile(
      'return JSON.parse(\'{"__proto__": {"polluted": true}, "a": 1}\');',
      { name: 'proto', shape: 'body' },
    );
    const { value } = script.run({});
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__', 'a']);
    expect((value as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('hands a "__proto__" key in as an ordinary key, never a prototype', () => {
    const script = sandbox.compile(
      'return [Object.keys(record), Object.getPrototypeOf(record) === Object.prototype, record.x ?? null];',
      {
        name: 'proto-in',
        shape: 'body',
      },
    );
    expect(script.run(JSON.parse('{"__proto__": {"x": 1}}')).value).toEqual([
      ['__proto__'],
      true,
      null,
    ]);
  });

  it('caps log output per run', async () => {
    const small = await createScriptSandbox({ maxLogBytes: 20 });
    try {
      const script = small.compile(
        'log("0123456789"); console.log("abcdefghij"); log("more"); log("and more"); return 1;',
        {
          name: 'chatty',
          shape: 'body',
        },
      );
      expect(script.run({}).logs).toEqual([
        '0123456789',
        'abcdefghij',
        '[log output over 20 bytes dropped]',
      ]);
      expect(script.run({}).logs).toHaveLength(3); // the budget is per run
    } finally {
      small.dispose();
    }
  });

  it('throws script_unavailable after dispose', () => {
    const script = sandbox.compile('return 1;', { name: 'done', shape: 'body' });
    script.dispose();
    expect(failure(() => script.run({})).code).toBe('script_unavailable');
  });

  it('brands its errors so they are recognised across package copies', () => {
    const error = new ScriptError('script_failed', 'x');
    expect(ScriptError.is(error)).toBe(true);
    expect(ScriptError.is({ [Symbol.for('weft.transform.script.error')]: true })).toBe(true);
    expect(ScriptError.is(new Error('x'))).toBe(false);
    expect(ScriptError.is(null)).toBe(false);
  });
});
