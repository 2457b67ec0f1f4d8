import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import {
  cutMessage,
  MAX_OPERATION_LOG_MESSAGE_LENGTH,
  writeOperationLog,
  type OperationLogSink,
} from '../internal/operation-log.js';
import { engineHeapIsLarge } from './engine.js';
import { ScriptError } from './errors.js';
import { MAX_DATA_DEPTH, MAX_MESSAGE_LENGTH, type ResolvedSandboxOptions } from './options.js';
import { PRELUDE_SOURCE } from './prelude.js';
import { errorFromVm, syntaxErrorFromVm, type Program, type VmErrorReport } from './vm-errors.js';

/**
 * The host's engine (the wasm module) failed underneath a call: Node's own stack overflowed
 * inside the wasm code, or the wasm trapped. The module's memory may be inconsistent, so the
 * owner must stop using the whole module, not just this VM.
 */
export class EngineFault extends Error {
  constructor(readonly fault: unknown) {
    super('the script engine failed', { cause: fault });
  }
}

const EMPTY_REPORT: VmErrorReport = { name: '', message: '', stack: '', unreadable: true };

export interface ScriptRun {
  readonly resultText: string;
  readonly logs: readonly string[];
}

/**
 * One QuickJS runtime + context running one compiled script: its own heap (memory limit), stack
 * limit and deadline. Created from source; after a timeout, memory or stack error it is marked
 * `broken` and must be disposed — it is never reused in an unknown state.
 */
export class ScriptVm {
  broken = false;
  private readonly runtime: QuickJSRuntime;
  private readonly context: QuickJSContext;
  private readonly owned: QuickJSHandle[] = [];
  private runner: QuickJSHandle | undefined;
  private importFrozen: QuickJSHandle | undefined;
  private describeError: QuickJSHandle | undefined;
  private bindingsText: string | undefined;
  private bindingsHandle: QuickJSHandle | undefined;
  private deadline = 0;
  private interrupted = false;
  private logs: string[] = [];
  private logBytes = 0;
  private operationLog: OperationLogSink | undefined;
  private disposed = false;

  private constructor(
    readonly engine: QuickJSWASMModule,
    private readonly program: Program,
    private readonly limits: ResolvedSandboxOptions,
  ) {
    this.runtime = engine.newRuntime();
    this.runtime.setMemoryLimit(limits.memoryLimitBytes);
    this.runtime.setMaxStackSize(limits.maxStackBytes);
    this.runtime.setInterruptHandler(() => {
      if (Date.now() <= this.deadline) return false;
      this.interrupted = true;
      return true;
    });
    this.context = this.runtime.newContext();
  }

  /** Builds the VM and runs the script's top-level code (under the time limit). */
  static create(
    engine: QuickJSWASMModule,
    program: Program,
    limits: ResolvedSandboxOptions,
    checkSyntax: boolean,
    onDisposeFailure: () => void,
  ): ScriptVm {
    let vm: ScriptVm | undefined;
    try {
      vm = new ScriptVm(engine, program, limits);
      vm.install(checkSyntax);
      return vm;
    } catch (error) {
      if (vm !== undefined && !(error instanceof EngineFault) && !vm.dispose()) onDisposeFailure();
      throw error instanceof ScriptError || error instanceof EngineFault
        ? error
        : new EngineFault(error);
    }
  }

  private own(handle: QuickJSHandle): QuickJSHandle {
    this.owned.push(handle);
    return handle;
  }

  private startClock(): void {
    this.interrupted = false;
    this.deadline = Date.now() + this.limits.timeLimitMs;
  }

  private install(checkSyntax: boolean): void {
    const { context } = this;
    const hostLog = this.own(context.newFunction('log', (message) => this.appendLog(message)));
    const hostOperationLog = this.own(
      context.newFunction('operationLog', (message) => this.appendOperationLog(message)),
    );
    const hostExpired = this.own(
      context.newFunction('expired', () =>
        Date.now() > this.deadline ? context.true : context.false,
      ),
    );
    this.startClock();
    const factory = context.evalCode(PRELUDE_SOURCE, '<weft-prelude>', {
      type: 'global',
      strict: true,
    });
    if (factory.error) throw this.toScriptError(factory.error, 'top-level');
    const numbers = [
      MAX_DATA_DEPTH,
      this.limits.maxOutputBytes,
      MAX_MESSAGE_LENGTH,
      this.limits.maxLogBytes,
      MAX_OPERATION_LOG_MESSAGE_LENGTH,
    ];
    const args = [
      hostLog,
      hostExpired,
      hostOperationLog,
      ...numbers.map((n) => this.own(context.newNumber(n))),
    ];
    const helpers = context.callFunction(factory.value, context.undefined, args);
    factory.value.dispose();
    if (helpers.error) throw this.toScriptError(helpers.error, 'top-level');
    const makeRunner = this.own(context.getProp(helpers.value, 0));
    this.importFrozen = this.own(context.getProp(helpers.value, 1));
    this.describeError = this.own(context.getProp(helpers.value, 2));
    helpers.value.dispose();

    const { source, name } = this.program;
    if (checkSyntax) {
      const compiled = context.evalCode(source, name, {
        type: 'global',
        strict: true,
        compileOnly: true,
      });
      if (compiled.error) {
        const report = this.report(compiled.error);
        compiled.error.dispose();
        throw syntaxErrorFromVm(report, this.program);
      }
      compiled.value.dispose();
    }
    this.startClock();
    const evaluated = context.evalCode(source, name, { type: 'global', strict: true });
    if (evaluated.error) throw this.toScriptError(evaluated.error, 'top-level');
    evaluated.value.dispose();
    if (this.interrupted) throw this.classify(EMPTY_REPORT, 'top-level');
    const transform = context.getProp(context.global, 'transform');
    if (this.interrupted) {
      transform.dispose();
      throw this.classify(EMPTY_REPORT, 'top-level');
    }
    if (context.typeof(transform) !== 'function') {
      transform.dispose();
      throw new ScriptError(
        'script_invalid',
        `script "${name}" does not define function transform(record, bindings)`,
        { scriptName: name },
      );
    }
    const runner = context.callFunction(makeRunner, context.undefined, transform);
    transform.dispose();
    if (runner.error) throw this.toScriptError(runner.error, 'top-level');
    this.runner = this.own(runner.value);
  }

  /**
   * One call of transform(record, bindings); returns the result as JSON text and the logs.
   * `operationLog` receives WriteToOperationLog messages during this call only.
   */
  run(inputText: string, bindingsText: string, operationLog?: OperationLogSink): ScriptRun {
    if (this.disposed || this.broken || this.runner === undefined)
      throw new Error('ScriptVm used after dispose');
    this.logs = [];
    this.logBytes = 0;
    this.operationLog = operationLog;
    try {
      this.startClock();
      const bindings = this.bindingsFor(bindingsText);
      const input = this.context.newString(inputText);
      const outcome = this.context.callFunction(
        this.runner,
        this.context.undefined,
        input,
        bindings,
      );
      input.dispose();
      if (outcome.error) throw this.toScriptError(outcome.error, 'run');
      const text = this.context.getString(outcome.value);
      outcome.value.dispose();
      // The sandbox has no event loop: promise callbacks and code after an await never run.
      // A run that left jobs queued gets a fresh VM before the next run, so nothing one record
      // queued can run during another. (Running them here was tried: QuickJS leaks objects when
      // an interrupt lands inside a job, and then aborts when the runtime is freed.)
      if (this.runtime.hasPendingJob()) this.broken = true;
      // QuickJS turns an interrupt inside an async function into a rejected promise that the
      // script may ignore: a deadline that fired at all means the run timed out.
      if (this.interrupted) throw this.classify(EMPTY_REPORT, 'run');
      return { resultText: text, logs: this.logs };
    } catch (error) {
      if (error instanceof ScriptError) throw error;
      throw new EngineFault(error);
    } finally {
      this.operationLog = undefined;
    }
  }

  private bindingsFor(text: string): QuickJSHandle {
    if (this.bindingsHandle !== undefined && this.bindingsText === text) return this.bindingsHandle;
    this.bindingsHandle?.dispose();
    this.bindingsHandle = undefined;
    const textHandle = this.context.newString(text);
    const frozen = this.context.callFunction(
      this.importFrozen as QuickJSHandle,
      this.context.undefined,
      textHandle,
    );
    textHandle.dispose();
    if (frozen.error) throw this.toScriptError(frozen.error, 'run');
    this.bindingsText = text;
    this.bindingsHandle = frozen.value;
    return frozen.value;
  }

  /** Reads { name, message, stack } of a thrown VM value, inside the VM (getters run there). */
  private report(error: QuickJSHandle): VmErrorReport {
    if (this.describeError === undefined || this.interrupted) return EMPTY_REPORT;
    const described = this.context.callFunction(this.describeError, this.context.undefined, error);
    if (described.error) {
      described.error.dispose();
      return EMPTY_REPORT;
    }
    const text =
      this.context.typeof(described.value) === 'string'
        ? this.context.getString(described.value)
        : '';
    described.value.dispose();
    return parseReport(text);
  }

  private toScriptError(error: QuickJSHandle, phase: 'top-level' | 'run'): ScriptError {
    const report = this.report(error);
    error.dispose();
    return this.classify(report, phase);
  }

  /** Turns the runner's 'E…' report, or an error that reached the host, into a ScriptError. */
  classify(report: VmErrorReport, phase: 'top-level' | 'run'): ScriptError {
    const exhausted =
      report.name === 'null' && report.message === '' && engineHeapIsLarge(this.engine);
    const scriptError = errorFromVm(
      exhausted ? EMPTY_REPORT : report,
      this.program,
      this.limits,
      this.interrupted,
      phase,
    );
    if (
      scriptError.code === 'script_timeout' ||
      scriptError.code === 'script_memory' ||
      scriptError.code === 'script_stack'
    ) {
      this.broken = true;
    }
    return scriptError;
  }

  // Called by the script through log(). It must never throw: a host exception would be turned
  // into a VM error carrying the host's stack (file paths) into the sandbox.
  private appendLog(message: QuickJSHandle): void {
    try {
      const max = this.limits.maxLogBytes;
      if (this.logBytes > max || this.context.typeof(message) !== 'string') return;
      const lengthHandle = this.context.getProp(message, 'length');
      const length =
        this.context.typeof(lengthHandle) === 'number'
          ? this.context.getNumber(lengthHandle)
          : Number.POSITIVE_INFINITY;
      lengthHandle.dispose();
      const text = length <= max ? this.context.getString(message) : '';
      const bytes = length <= max ? Buffer.byteLength(text, 'utf8') : Number.POSITIVE_INFINITY;
      if (this.logBytes + bytes > max) {
        this.logs.push(`[log output over ${max} bytes dropped]`);
        this.logBytes = max + 1;
        return;
      }
      this.logs.push(text);
      this.logBytes += bytes;
    } catch {
      // A message that cannot be read is dropped.
    }
  }

  // Called by the script through WriteToOperationLog(); like appendLog it must never throw. The
  // prelude has already made the message a string and cut it; the host checks again (the VM is
  // not trusted) before copying it out.
  private appendOperationLog(message: QuickJSHandle): void {
    const sink = this.operationLog;
    if (sink === undefined) return;
    try {
      if (this.context.typeof(message) !== 'string') return;
      const lengthHandle = this.context.getProp(message, 'length');
      const length =
        this.context.typeof(lengthHandle) === 'number'
          ? this.context.getNumber(lengthHandle)
          : Number.POSITIVE_INFINITY;
      lengthHandle.dispose();
      if (!(length <= MAX_OPERATION_LOG_MESSAGE_LENGTH)) return;
      writeOperationLog(sink, cutMessage(this.context.getString(message)));
    } catch {
      // A message that cannot be read is dropped.
    }
  }

  /**
   * Frees the VM. Returns false when the engine failed doing so (QuickJS asserts when a runtime
   * still holds objects at that point); the caller must then retire the engine.
   */
  dispose(): boolean {
    if (this.disposed) return true;
    this.disposed = true;
    try {
      this.bindingsHandle?.dispose();
      for (const handle of this.owned) if (handle.alive) handle.dispose();
      this.context.dispose();
      this.runtime.dispose();
      return true;
    } catch {
      return false;
    }
  }
}

/** Parses the VM's error JSON; the caps are applied again here, as the VM is not trusted. */
export function parseReport(text: string): VmErrorReport {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return { name: '', message: '', stack: '' };
    const field = (key: string, max: number): string => {
      const value = (parsed as Record<string, unknown>)[key];
      return typeof value !== 'string'
        ? ''
        : value.length > max
          ? `${value.slice(0, max)}…`
          : value;
    };
    return {
      name: field('name', 100),
      message: field('message', MAX_MESSAGE_LENGTH),
      stack: field('stack', 4000),
    };
  } catch {
    return { name: '', message: '', stack: '' };
  }
}
