import type { OperationLogSink } from '../internal/operation-log.js';
import type { EngineSlot } from './engine.js';
import { ScriptError } from './errors.js';
import { fromJsonText, toJsonText } from './json-copy.js';
import type { ResolvedSandboxOptions } from './options.js';
import { EngineFault, parseReport, ScriptVm } from './script-vm.js';
import type { Program } from './vm-errors.js';

export interface ScriptRunResult {
  /** The script's result: a fresh copy, plain JSON data (objects, arrays, strings, finite numbers, booleans, null). */
  readonly value: unknown;
  /** What the script passed to log() / console.*() during this run, capped at maxLogBytes. */
  readonly logs: readonly string[];
}

export interface ScriptRunOptions {
  /**
   * Receives what the script passes to `WriteToOperationLog(value)` during this run, as it is
   * written (so lines written before a failure are kept): strings as they are, anything else as
   * JSON, each cut to MAX_OPERATION_LOG_MESSAGE_LENGTH characters. Without it they are dropped.
   */
  readonly operationLog?: OperationLogSink;
}

export interface CompiledScript {
  /** The name given to compile(); every error about this script names it. */
  readonly name: string;
  /**
   * Calls the script's transform(record, bindings) synchronously and returns a copy of its
   * result. `bindings` (default {}) reach the script as a deep-frozen copy. Throws ScriptError.
   */
  run(record: unknown, bindings?: unknown, options?: ScriptRunOptions): ScriptRunResult;
  /** Frees the script's VM; later runs throw 'script_unavailable'. */
  dispose(): void;
}

const EMPTY_BINDINGS = '{}';

function engineFailure(name: string, fault: EngineFault): ScriptError {
  if (fault.fault instanceof RangeError) {
    return new ScriptError(
      'script_stack',
      `script "${name}" nested too deeply for the engine (the host stack overflowed) and was stopped; the engine was replaced`,
      { scriptName: name, cause: fault.fault },
    );
  }
  return new ScriptError(
    'script_failed',
    `script "${name}": the script engine failed and was replaced`,
    {
      scriptName: name,
      cause: fault.fault,
    },
  );
}

export class Script implements CompiledScript {
  private vm: ScriptVm | undefined;
  private disposed = false;

  constructor(
    private readonly slot: EngineSlot,
    private readonly program: Program,
    private readonly limits: ResolvedSandboxOptions,
    vm: ScriptVm,
    private readonly onDispose: (script: Script) => void,
  ) {
    this.vm = vm;
  }

  get name(): string {
    return this.program.name;
  }

  /** Compiles (syntax check included) and runs the top-level code on the slot's engine. */
  static createVm(
    slot: EngineSlot,
    program: Program,
    limits: ResolvedSandboxOptions,
    checkSyntax: boolean,
  ): ScriptVm {
    const engine = slot.engine;
    try {
      return ScriptVm.create(engine, program, limits, checkSyntax, () => slot.retire(engine));
    } catch (error) {
      if (!(error instanceof EngineFault)) throw error;
      slot.retire(engine);
      throw engineFailure(program.name, error);
    }
  }

  // The VM to run on: rebuilt from source after it broke (timeout, memory, stack) or after its
  // engine was retired. Globals a script set in its top-level code are set again; what earlier
  // runs left behind is gone.
  private liveVm(): ScriptVm {
    const current = this.vm;
    if (current !== undefined && !current.broken && this.slot.isLive(current.engine))
      return current;
    this.vm = undefined;
    if (current !== undefined) this.discard(current);
    this.vm = Script.createVm(this.slot, this.program, this.limits, false);
    return this.vm;
  }

  run(record: unknown, bindings?: unknown, options?: ScriptRunOptions): ScriptRunResult {
    if (this.disposed)
      throw new ScriptError('script_unavailable', `script "${this.name}" was disposed`, {
        scriptName: this.name,
      });
    const { maxInputBytes, maxOutputBytes } = this.limits;
    const inputText = toJsonText(record, 'record', maxInputBytes, this.name);
    const bindingsText =
      bindings === undefined
        ? EMPTY_BINDINGS
        : toJsonText(bindings, 'bindings', maxInputBytes, this.name);
    const vm = this.liveVm();
    let outcome;
    try {
      outcome = vm.run(inputText, bindingsText, options?.operationLog);
    } catch (error) {
      if (error instanceof EngineFault) {
        this.vm = undefined;
        this.slot.retire(vm.engine);
        throw engineFailure(this.name, error);
      }
      throw error;
    } finally {
      if (vm.broken && this.vm === vm) {
        this.vm = undefined;
        this.discard(vm);
      }
    }
    const body = outcome.resultText.slice(1);
    switch (outcome.resultText[0]) {
      case 'R':
        return { value: fromJsonText(body, maxOutputBytes, this.name), logs: outcome.logs };
      case 'O':
        throw new ScriptError('script_output', `script "${this.name}": ${body.slice(0, 400)}`, {
          scriptName: this.name,
        });
      default: {
        const error = vm.classify(parseReport(body), 'run');
        if (vm.broken && this.vm === vm) {
          this.vm = undefined;
          this.discard(vm);
        }
        throw error;
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const vm = this.vm;
    this.vm = undefined;
    if (vm !== undefined) this.discard(vm);
    this.onDispose(this);
  }

  // A VM on a retired engine is left to the garbage collector with its engine; a VM whose
  // disposal fails takes its engine down with it (see ScriptVm.dispose).
  private discard(vm: ScriptVm): void {
    if (this.slot.isLive(vm.engine) && !vm.dispose()) this.slot.retire(vm.engine);
  }
}
