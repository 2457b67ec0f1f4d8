import { readFileSync } from 'node:fs';
import {
  createScriptSandbox,
  ScriptError,
  type ScriptErrorCode,
  type ScriptSandbox,
} from './index.js';

// Scripts come from integration designers and, through shared projects, from people we do not
// trust. Each attack below must be cut off within a second, or within 3 × the memory limit,
// with a clear ScriptError — and the host must then run a normal script as before.

const TIME_LIMIT_MS = 250;
const MEMORY_LIMIT = 32 * 1024 * 1024;

const prototypeSnapshot = (): string[] => [
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Array.prototype),
  ...Object.getOwnPropertyNames(Function.prototype),
  ...Object.getOwnPropertyNames(globalThis),
];
const before = prototypeSnapshot();

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox({
    timeLimitMs: TIME_LIMIT_MS,
    memoryLimitBytes: MEMORY_LIMIT,
  });
});
afterAll(() => {
  sandbox.dispose();
  expect(prototypeSnapshot()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

interface Outcome {
  readonly error: ScriptError | undefined;
  readonly value: unknown;
  readonly ms: number;
  readonly rssGrowth: number;
}

function attack(body: string, target: ScriptSandbox = sandbox): Outcome {
  const record = {};
  const script = target.compile(body, { name: 'hostile.js', shape: 'body' });
  const rss = process.memoryUsage().rss;
  const started = performance.now();
  try {
    return {
      error: undefined,
      value: script.run(record).value,
      ms: performance.now() - started,
      rssGrowth: 0,
    };
  } catch (error) {
    if (!ScriptError.is(error)) throw error;
    return {
      error,
      value: undefined,
      ms: performance.now() - started,
      rssGrowth: process.memoryUsage().rss - rss,
    };
  } finally {
    script.dispose();
  }
}

// The host carries on: a fresh script and a long-lived one both work after each attack.
const survivor = { script: undefined as ReturnType<ScriptSandbox['compile']> | undefined };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// An attack that broke the engine itself switches to the spare at once and reloads the next
// spare in the background; let the event loop turn until an engine is there, as a streaming
// run would between chunks.
async function waitForEngine(): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 20) {
    try {
      sandbox.compile('return 0;', { name: 'probe.js', shape: 'body' }).dispose();
      return;
    } catch (error) {
      if (!ScriptError.is(error) || error.code !== 'script_unavailable') throw error;
      await sleep(20);
    }
  }
}

async function expectHostFine(): Promise<void> {
  await sleep(30);
  await waitForEngine();
  survivor.script ??= sandbox.compile('return { doubled: record.n * 2 };', {
    name: 'survivor.js',
    shape: 'body',
  });
  expect(survivor.script.run({ n: 21 }).value).toEqual({ doubled: 42 });
  const fresh = sandbox.compile('return record.s.toUpperCase();', {
    name: 'fresh.js',
    shape: 'body',
  });
  expect(fresh.run({ s: 'ok' }).value).toBe('OK');
  fresh.dispose();
}

async function expectStopped(
  body: string,
  code: ScriptErrorCode,
  message?: RegExp,
  target: ScriptSandbox = sandbox,
): Promise<Outcome> {
  const outcome = attack(body, target);
  expect(outcome.error?.code).toBe(code);
  expect(outcome.error?.message).toContain('"hostile.js"');
  if (message !== undefined) expect(outcome.error?.message).toMatch(message);
  expect(outcome.ms).toBeLessThan(target === sandbox ? 1000 : 20_000);
  await expectHostFine();
  return outcome;
}

describe('runaway CPU', () => {
  it.each([
    ['an infinite loop', 'while (true) {}'],
    ['a loop that swallows the interrupt', 'for (;;) { try { while (true) {} } catch (e) {} }'],
    ['catastrophic regex backtracking', 'return /^(a+)+$/.test("a".repeat(40) + "!");'],
    ['a getter on the thrown error', 'throw { get message() { for (;;) {} } };'],
    ['a toJSON on the result', 'return { toJSON() { for (;;) {} } };'],
    ['an endless sort comparator', 'return [3, 2, 1].sort(() => { for (;;) {} });'],
    // Each turn is one slow built-in: QuickJS alone would check its deadline only every 10 000 turns.
    ['a loop of heavy built-ins (repeat)', 'for (;;) "x".repeat(1000000);'],
    ['a loop of heavy built-ins (join)', 'for (;;) new Array(1000000).join("x");'],
    [
      'a loop of heavy built-ins (indexOf)',
      'const a = new Array(1e6).fill(1); for (;;) a.indexOf(2);',
    ],
  ])('stops %s with script_timeout', async (_name, body) => {
    await expectStopped(body, 'script_timeout', /ran longer than 250 ms and was stopped/);
  });

  it('applies the default 1 s limit and names the script', async () => {
    const defaults = await createScriptSandbox();
    try {
      const script = defaults.compile(
        readFileSync(
          new URL('../../test/fixtures/scripts/runaway-after-five.js', import.meta.url),
          'utf8',
        ),
        {
          name: 'runaway-after-five.js',
        },
      );
      for (let id = 1; id <= 5; id += 1) expect(script.run({ id }).value).toEqual({ seen: id, id });
      const started = performance.now();
      expect(() => script.run({ id: 6 })).toThrow(
        'script "runaway-after-five.js" ran longer than 1000 ms and was stopped',
      );
      expect(performance.now() - started).toBeLessThan(1500);
      // The VM was rebuilt from source: top-level state starts again.
      expect(script.run({ id: 7 }).value).toEqual({ seen: 1, id: 7 });
    } finally {
      defaults.dispose();
    }
  });

  it('stops runaway top-level code at compile time, even behind a getter', () => {
    expect(() =>
      sandbox.compile('while (true) {}\nfunction transform() {}', { name: 'top.js' }),
    ).toThrow(
      'script "top.js" ran longer than 250 ms while running its top-level code and was stopped',
    );
    const started = performance.now();
    expect(() =>
      sandbox.compile(
        'Object.defineProperty(globalThis, "transform", { get() { for (;;) {} } });',
        { name: 'getter.js' },
      ),
    ).toThrow(
      'script "getter.js" ran longer than 250 ms while running its top-level code and was stopped',
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('runaway memory', () => {
  // A generous time limit (this machine may be busy), so that these are stopped by memory
  // rather than by time.
  let roomy: ScriptSandbox;
  beforeAll(async () => {
    roomy = await createScriptSandbox({ timeLimitMs: 20_000, memoryLimitBytes: MEMORY_LIMIT });
  });
  afterAll(() => roomy.dispose());

  it.each([
    ['array growth', 'const a = []; for (;;) a.push({ n: a.length });'],
    ['string building', 'const a = []; for (;;) a.push("x".repeat(100000) + a.length);'],
    ['one huge string', 'return "x".repeat(2 ** 28).length;'],
    ['string doubling', 'let s = "x"; for (;;) s += s;'],
    ['typed arrays', 'const a = []; for (;;) a.push(new Float64Array(1e5));'],
  ])(
    'stops %s with script_memory within 3 × the limit',
    async (_name, body) => {
      const outcome = await expectStopped(
        body,
        'script_memory',
        /memory limit of 33554432 bytes/,
        roomy,
      );
      expect(outcome.rssGrowth).toBeLessThan(3 * MEMORY_LIMIT);
    },
    30_000,
  );

  it('stops deep recursion with script_stack', async () => {
    await expectStopped(
      'function f(n) { return f(n + 1) + 1; } return f(0);',
      'script_stack',
      /stack limit/,
    );
  });

  it.each([
    [
      'JSON.stringify of deeply nested data',
      'let a = []; for (let i = 0; i < 100000; i++) a = [a]; return JSON.stringify(a).length;',
    ],
    ['eval of deeply nested source', 'return eval("(".repeat(100000) + "1" + ")".repeat(100000));'],
  ])(
    'stops %s, which overflows the host stack inside the engine, and replaces the engine',
    async (_name, body) => {
      await expectStopped(body, 'script_stack');
    },
  );

  it('stops deeply nested source at compile time', async () => {
    const source = `function transform() { return ${'('.repeat(100000)}1${')'.repeat(100000)}; }`;
    expect(() => sandbox.compile(source, { name: 'nested.js' })).toThrow(
      expect.objectContaining({ code: 'script_stack', scriptName: 'nested.js' }),
    );
    await expectHostFine();
  });

  it('recovers when two engines fail in one synchronous burst', async () => {
    const fresh = await createScriptSandbox({ timeLimitMs: 5000 }); // engine and spare loaded
    try {
      const body =
        'let a = []; for (let i = 0; i < 100000; i++) a = [a]; return JSON.stringify(a).length;';
      const first = fresh.compile(body, { name: 'first.js', shape: 'body' });
      const second = fresh.compile(body, { name: 'second.js', shape: 'body' });
      const bystander = fresh.compile('return 1;', { name: 'bystander.js', shape: 'body' });
      expect(() => first.run({})).toThrow(expect.objectContaining({ code: 'script_stack' }));
      expect(() => second.run({})).toThrow(expect.objectContaining({ code: 'script_stack' }));
      // No spare is left until the background reload has had a turn of the event loop.
      expect(() => bystander.run({})).toThrow(
        expect.objectContaining({ code: 'script_unavailable' }),
      );
      let value: unknown;
      for (let waited = 0; waited < 5000 && value === undefined; waited += 20) {
        await sleep(20);
        try {
          value = bystander.run({}).value;
        } catch (error) {
          if (!ScriptError.is(error) || error.code !== 'script_unavailable') throw error;
        }
      }
      expect(value).toBe(1);
    } finally {
      fresh.dispose();
    }
  });
});

describe('no host access', () => {
  it('has no process, require, module, Buffer or host globals', () => {
    const { value } = attack(
      'return [typeof process, typeof require, typeof module, typeof Buffer, typeof setTimeout, typeof fetch, typeof WebAssembly];',
    );
    expect(value).toEqual([
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
      'undefined',
    ]);
  });

  it('sees only the ECMAScript built-ins plus log, console and WriteToOperationLog on its global object', () => {
    const { value } = attack('return Object.getOwnPropertyNames(Function("return this")());');
    const allowed = new Set([
      ...Object.getOwnPropertyNames(globalThis).filter(
        (name) => !['process', 'Buffer', 'require', 'global'].includes(name),
      ),
      'InternalError',
      'Float16Array',
      'log',
      'console',
      'WriteToOperationLog',
      'transform',
      'escape',
      'unescape',
      'Iterator',
      'AggregateError',
    ]);
    const unknown = (value as string[]).filter((name) => !allowed.has(name));
    expect(unknown).toEqual([]);
  });

  it.each([
    ['constructor.constructor', 'return ({}).constructor.constructor("return process")();'],
    ["a function's constructor", 'return transform.constructor("return require")();'],
    ['the Function constructor', 'return Function("return process.env")();'],
    ['indirect eval', 'return (0, eval)("require(\'fs\')");'],
    ['the arguments of a host call', 'return log.constructor("return process")();'],
    ['the operation log function', 'return WriteToOperationLog.constructor("return process")();'],
  ])('refuses to reach the host through %s', (_name, body) => {
    const { error } = attack(body);
    expect(error?.code).toBe('script_failed');
    expect(error?.message).toMatch(/ReferenceError: '?(process|require)'? is not defined/);
  });

  it('cannot import modules', () => {
    const { error } = attack('return import("node:fs");');
    expect(error?.code).toBe('script_output');
    expect(error?.message).toMatch(/Promise/);
  });

  it('gets nothing from Error.prepareStackTrace and stack tricks', () => {
    const { error } = attack(
      'Error.prepareStackTrace = (e, frames) => frames.map((f) => typeof f.getThis === "function" ? f.getThis() : f);\n' +
        'Error.stackTraceLimit = Infinity;\nconst e = new Error("trace"); return [typeof e.stack, String(e.stack).includes("node:")];',
    );
    expect(error).toBeUndefined();
    const thrown = attack(
      'Error.prepareStackTrace = () => { for (;;) {} };\nthrow new Error("x");',
    );
    expect(thrown.error?.code === 'script_failed' || thrown.error?.code === 'script_timeout').toBe(
      true,
    );
    expect(thrown.ms).toBeLessThan(1000);
  });
});

describe('promise tricks', () => {
  it('refuses an async transform and an unresolved promise', () => {
    expect(attack('return (async () => 1)();').error?.code).toBe('script_output');
    expect(attack('return new Promise(() => {});').error?.message).toMatch(/returned a Promise/);
  });

  it('never runs then-callbacks after the run returns', async () => {
    const script = sandbox.compile(
      'let flag = 0;\nfunction transform() { const seen = flag; Promise.resolve().then(() => { flag += 1; }); return seen; }',
      { name: 'later.js' },
    );
    expect([script.run({}).value, script.run({}).value, script.run({}).value]).toEqual([0, 0, 0]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(script.run({}).value).toBe(0);
    script.dispose();
  });

  it('contains async recursion and await-loops', async () => {
    const recursion = attack('async function f() { await null; return f(); } f(); return 1;');
    expect(recursion.value).toBe(1);
    expect(recursion.ms).toBeLessThan(1000);
    await expectStopped('(async () => { for (;;) {} })(); return 1;', 'script_timeout');
  });
});

describe('data returned to the host', () => {
  it('cannot pollute the host prototypes', () => {
    const { value } = attack(
      'Object.prototype.polluted = 1; Array.prototype.polluted = 1;\n' +
        'return { a: {}, b: [], c: JSON.parse(\'{"__proto__": {"polluted": 1}}\'), constructor: { prototype: { polluted: 1 } } };',
    );
    const result = value as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(result.c)).toBe(Object.prototype);
    expect(Object.hasOwn(result.c as object, '__proto__')).toBe(true);
    expect(result.a?.polluted).toBeUndefined();
    expect((result.b as unknown as unknown[] & { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gets honest results even when the script replaces the built-ins', () => {
    const { value } = attack(
      'JSON.stringify = () => "{\\"forged\\":1}"; Object.keys = () => []; Array.isArray = () => false;\nreturn { real: [1, 2] };',
    );
    expect(value).toEqual({ real: [1, 2] });
  });

  it('refuses huge output and caps huge logs', async () => {
    await expectStopped(
      'return "x".repeat(9 * 1024 * 1024);',
      'script_output',
      /larger than 8388608 bytes/,
    );
    const script = sandbox.compile(
      'const y = "y".repeat(10000); for (let i = 0; i < 100; i++) log(y); return 1;',
      { name: 'loud.js', shape: 'body' },
    );
    const { logs } = script.run({});
    expect(logs.join('').length).toBeLessThanOrEqual(64 * 1024 + 100);
    expect(logs.at(-1)).toBe('[log output over 65536 bytes dropped]');
    script.dispose();
  });
});
