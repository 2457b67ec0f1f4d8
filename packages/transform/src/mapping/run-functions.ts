// The functions a mapping adds to its expressions: lookup tables, run variables, scripts and the
// operation log.
// Each needs the run the current record belongs to; `apply` is synchronous, so the run is held
// in a slot set for the duration of one apply call and cleared after it.
import type { ExpressionFunction } from '../expression/engine.js';
import { MappingError } from './errors.js';
import {
  operationLogMessage,
  writeOperationLog,
  type OperationLogSink,
} from '../internal/operation-log.js';
import type { RunContext, ScriptRunner } from './types.js';

export const MAX_RUN_VARIABLE_LENGTH = 65_536;

/** Thrown by `$script` and `script:` fields; the mapping routes it per `onScriptError`. */
export class ScriptFailure extends Error {
  override name = 'ScriptFailure';
}

export interface RunSlot {
  run: RunContext | undefined;
}

export type RunVariableValue = string | number | boolean | null;

function activeRun(slot: RunSlot): RunContext {
  if (slot.run === undefined)
    throw new MappingError(
      'invalid_run',
      'run functions are only available while a mapping applies',
    );
  return slot.run;
}

export function isRunVariableValue(value: unknown): value is RunVariableValue {
  return (
    value === null ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && value.length <= MAX_RUN_VARIABLE_LENGTH)
  );
}

/** Runs a script through the injected runner; any failure becomes a ScriptFailure without data. */
export function runScript(
  runner: ScriptRunner | undefined,
  name: string,
  input: unknown,
  bindings: Record<string, unknown>,
  operationLog: OperationLogSink | undefined,
): unknown {
  if (runner === undefined) throw new ScriptFailure(`script "${name}": no script runner`);
  try {
    return operationLog === undefined
      ? runner.run(name, input, bindings)
      : runner.run(name, input, bindings, operationLog);
  } catch (error) {
    const code =
      typeof error === 'object' &&
      error !== null &&
      typeof (error as { code?: unknown }).code === 'string'
        ? ` (${(error as { code: string }).code})`
        : '';
    // The script's own message is not kept: a script (or its engine's error text) can quote the
    // record. The error class and where it was thrown are enough to find the fault.
    const kind =
      typeof error === 'object' && error !== null && typeof (error as Error).name === 'string'
        ? (error as Error).name.slice(0, 40)
        : 'Error';
    const line = (error as { line?: unknown } | null)?.line;
    const where = typeof line === 'number' ? ` at line ${line}` : '';
    throw new ScriptFailure(`script "${name}" failed${code}: ${kind}${where}`);
  }
}

export function runFunctions(
  slot: RunSlot,
  declared: {
    lookups: ReadonlySet<string>;
    runVariables: ReadonlySet<string>;
    scripts: ReadonlySet<string>;
  },
  runner: ScriptRunner | undefined,
): Record<string, ExpressionFunction> {
  return {
    lookupTable: {
      // key: string or number (compared as a string); optional column of the row
      signature: '<s(sn)s?:x>',
      implementation: ([name, key, column]) => {
        if (!declared.lookups.has(name as string))
          throw new MappingError(
            'invalid_run',
            'the lookup table named is not declared in lookups',
          );
        if (key === undefined) return undefined;
        const row = activeRun(slot).lookups[name as string]?.get(String(key));
        if (column === undefined) return row;
        return typeof row === 'object' && row !== null && Object.hasOwn(row, column as string)
          ? (row as Record<string, unknown>)[column as string]
          : undefined;
      },
    },
    runVariable: {
      signature: '<s:x>',
      implementation: ([name]) => {
        if (!declared.runVariables.has(name as string))
          throw new MappingError(
            'invalid_run',
            'the run variable named is not declared in runVariables',
          );
        return activeRun(slot).variables.get(name as string);
      },
    },
    setRunVariable: {
      // returns the value set, so `$setRunVariable('seq', $runVariable('seq') + 1)` yields the new number
      signature: '<sx:x>',
      implementation: ([name, value]) => {
        if (!declared.runVariables.has(name as string))
          throw new MappingError(
            'invalid_run',
            'the run variable named is not declared in runVariables',
          );
        if (!isRunVariableValue(value))
          throw new MappingError(
            'invalid_run',
            `run variable "${String(name)}" takes a string (up to ${MAX_RUN_VARIABLE_LENGTH} characters), a number, a boolean or null`,
          );
        activeRun(slot).variables.set(name as string, value);
        return value;
      },
    },
    script: {
      signature: '<sx?o?:x>',
      implementation: ([name, input, bindings]) => {
        if (!declared.scripts.has(name as string))
          throw new ScriptFailure('the script named is not declared in scripts');
        return runScript(
          runner,
          name as string,
          input,
          (bindings ?? {}) as Record<string, unknown>,
          slot.run?.operationLog,
        );
      },
    },
    writeToOperationLog: {
      // returns its argument, so it can wrap any expression: `$writeToOperationLog($record.id)`
      signature: '<x:x>',
      implementation: ([value]) => {
        const sink = slot.run?.operationLog;
        if (sink !== undefined) {
          const message = operationLogMessage(value);
          if (message !== undefined) writeOperationLog(sink, message);
        }
        return value;
      },
    },
  };
}
