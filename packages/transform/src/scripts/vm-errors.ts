import { ScriptError } from './errors.js';
import type { ResolvedSandboxOptions } from './options.js';

/** What the VM said about a thrown value: strings only, each already size-capped inside the VM. */
export interface VmErrorReport {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
  /** Describing the thrown value failed too (what exhausting memory does). */
  readonly unreadable?: boolean;
}

/** The source actually evaluated, and how to map its positions back to the user's text. */
export interface Program {
  readonly name: string;
  readonly source: string;
  /** Characters added before the user's text on line 1 (the body shape's wrapper). */
  readonly firstLineOffset: number;
}

interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * The first "<name>:<line>:<column>" in a QuickJS stack ("    at transform (orders.js:3:11)"),
 * mapped back to the user's text. Plain string search: the name is user-chosen text.
 */
export function positionIn(stack: string, program: Program): Position | undefined {
  const marker = `${program.name}:`;
  let from = 0;
  for (;;) {
    const index = stack.indexOf(marker, from);
    if (index < 0) return undefined;
    const match = /^(\d+):(\d+)/.exec(
      stack.slice(index + marker.length, index + marker.length + 24),
    );
    const before = index === 0 ? ' ' : stack[index - 1];
    if (match !== null && (before === ' ' || before === '(')) {
      const line = Number(match[1]);
      const column = Number(match[2]);
      return { line, column: line === 1 ? Math.max(1, column - program.firstLineOffset) : column };
    }
    from = index + marker.length;
  }
}

function located(position: Position | undefined): string {
  return position === undefined ? '' : ` at line ${position.line}, column ${position.column}`;
}

export function syntaxErrorFromVm(report: VmErrorReport, program: Program): ScriptError {
  const position = positionIn(report.stack, program);
  const message = report.message === '' ? 'invalid syntax' : report.message;
  return new ScriptError(
    'script_syntax',
    `script "${program.name}": syntax error${located(position)}: ${message}`,
    {
      scriptName: program.name,
      ...position,
    },
  );
}

/**
 * QuickJS reports resource exhaustion as ordinary errors: "interrupted" (our deadline, and
 * uncatchable), "out of memory", "stack overflow". A script could throw look-alikes on purpose;
 * that only makes the host discard and rebuild its VM, which is harmless.
 */
export function errorFromVm(
  report: VmErrorReport,
  program: Program,
  limits: ResolvedSandboxOptions,
  interrupted: boolean,
  phase: 'top-level' | 'run',
): ScriptError {
  const scriptName = program.name;
  const during = phase === 'top-level' ? ' while running its top-level code' : '';
  if (interrupted) {
    return new ScriptError(
      'script_timeout',
      `script "${scriptName}" ran longer than ${limits.timeLimitMs} ms${during} and was stopped`,
      { scriptName },
    );
  }
  if (/^out of memory|^string too long/.test(report.message) || report.unreadable === true) {
    return new ScriptError(
      'script_memory',
      `script "${scriptName}" went past its memory limit of ${limits.memoryLimitBytes} bytes${during} and was stopped`,
      { scriptName },
    );
  }
  if (/stack overflow|call stack size exceeded/i.test(report.message)) {
    return new ScriptError(
      'script_stack',
      `script "${scriptName}" went past its stack limit of ${limits.maxStackBytes} bytes${during} (recursion too deep) and was stopped`,
      { scriptName },
    );
  }
  const position = positionIn(report.stack, program);
  const thrown =
    report.name === 'null' && report.message === ''
      ? 'null'
      : report.name === ''
        ? report.message
        : `${report.name}: ${report.message}`;
  return new ScriptError(
    'script_failed',
    `script "${scriptName}" failed${during}${located(position)}: ${thrown}`,
    {
      scriptName,
      ...position,
    },
  );
}
