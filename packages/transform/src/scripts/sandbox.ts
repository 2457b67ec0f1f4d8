import { Script, type CompiledScript } from './compiled-script.js';
import { engineHeapCap, EngineSlot, loadEngine } from './engine.js';
import { ScriptError } from './errors.js';
import {
  MAX_NAME_LENGTH,
  MAX_SOURCE_LENGTH,
  resolveSandboxOptions,
  type ResolvedSandboxOptions,
  type ScriptSandboxOptions,
} from './options.js';
import type { Program } from './vm-errors.js';

export type ScriptShape = 'function' | 'body';

export interface CompileScriptOptions {
  /** Names the script in every error and stack trace (1 to 200 characters, no line breaks). */
  name: string;
  /**
   * 'function' (default): the source defines `function transform(record, bindings) { … }`,
   * and may declare helpers and constants beside it.
   * 'body': the source is the body of that function, e.g. `return { total: record.a + record.b };`.
   */
  shape?: ScriptShape;
}

export interface ScriptSandbox {
  /** The limits every script compiled here runs under (defaults applied). */
  readonly limits: ResolvedSandboxOptions;
  /**
   * Parses the script and runs its top-level code once, in a fresh VM of its own. Throws
   * ScriptError: 'script_syntax' (with line and column), 'script_invalid' (no transform
   * function), or any run error raised by the top-level code.
   */
  compile(source: string, options: CompileScriptOptions): CompiledScript;
  /** Disposes every script compiled here and the engine; later calls throw 'script_unavailable'. */
  dispose(): void;
}

const BODY_PREFIX = 'function transform(record, bindings) {';

function checkCompileInput(
  source: unknown,
  options: unknown,
): { name: string; shape: ScriptShape } {
  if (typeof options !== 'object' || options === null) {
    throw new ScriptError('invalid_option', 'compile options must be an object with a name');
  }
  const { name, shape = 'function' } = options as { name?: unknown; shape?: unknown };
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > MAX_NAME_LENGTH ||
    /[\r\n\u2028\u2029]/.test(name)
  ) {
    throw new ScriptError(
      'invalid_option',
      `a script name must be 1 to ${MAX_NAME_LENGTH} characters on one line`,
    );
  }
  if (shape !== 'function' && shape !== 'body') {
    throw new ScriptError(
      'invalid_option',
      `script "${name}": shape must be "function" or "body"`,
      { scriptName: name },
    );
  }
  if (typeof source !== 'string') {
    throw new ScriptError('invalid_option', `script "${name}": the source must be a string`, {
      scriptName: name,
    });
  }
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ScriptError(
      'invalid_option',
      `script "${name}": the source is longer than ${MAX_SOURCE_LENGTH} characters`,
      {
        scriptName: name,
      },
    );
  }
  return { name, shape };
}

class Sandbox implements ScriptSandbox {
  private readonly scripts = new Set<Script>();
  private disposed = false;

  constructor(
    readonly limits: ResolvedSandboxOptions,
    private readonly slot: EngineSlot,
  ) {}

  compile(source: string, options: CompileScriptOptions): CompiledScript {
    if (this.disposed)
      throw new ScriptError('script_unavailable', 'the script sandbox was disposed');
    const { name, shape } = checkCompileInput(source, options);
    const program: Program =
      shape === 'body'
        ? { name, source: `${BODY_PREFIX}${source}\n}`, firstLineOffset: BODY_PREFIX.length }
        : { name, source, firstLineOffset: 0 };
    const vm = Script.createVm(this.slot, program, this.limits, true);
    const script = new Script(this.slot, program, this.limits, vm, (done) =>
      this.scripts.delete(done),
    );
    this.scripts.add(script);
    return script;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const script of [...this.scripts]) script.dispose();
    this.slot.close();
  }
}

/**
 * Loads the QuickJS engine (WebAssembly) and returns a sandbox to compile user scripts in.
 * Options are checked here (ScriptError 'invalid_option'). Each sandbox has its own engine
 * instance (heap capped at 8 MiB + 2 × memoryLimitBytes, shared by its scripts), plus a spare
 * it switches to if the engine ever fails underneath a script.
 */
export async function createScriptSandbox(
  options: ScriptSandboxOptions = {},
): Promise<ScriptSandbox> {
  const limits = resolveSandboxOptions(options);
  const heapCap = engineHeapCap(limits.memoryLimitBytes);
  const [engine, spare] = await Promise.all([loadEngine(heapCap), loadEngine(heapCap)]);
  return new Sandbox(limits, new EngineSlot(engine, spare, heapCap));
}
