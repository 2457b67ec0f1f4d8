// The mapping's public types: the document as written, the compiled mapping, the run context.
import type { ExpressionFunction } from '../expression/engine.js';
import type { RecordInterface } from '../interfaces/model.js';
import type { OperationLogSink } from '../internal/operation-log.js';
import type { ValidationFailure, ValidationRules } from '../validation/types.js';

/**
 * Runs a named script of the mapping (`scripts:` in the document). Declared here; the sandbox
 * (src/scripts/) implements it. `input` and `bindings` are plain data and must cross the sandbox
 * boundary as copies; the result is plain data. Throwing marks the record as failed by a script.
 */
export interface ScriptRunner {
  /**
   * `operationLog` is the run's operation log sink, when it has one: what the script passes to
   * `WriteToOperationLog` goes there.
   */
  run(
    name: string,
    input: unknown,
    bindings: Record<string, unknown>,
    operationLog?: OperationLogSink,
  ): unknown;
}

export interface ScriptDefinition {
  readonly language: 'javascript';
  readonly source: string;
}

/** A lookup table handed to a run: key → row (any JSON value). Keys are compared as strings. */
export type LookupTable = ReadonlyMap<string, unknown>;

export type ErrorPolicy = 'route' | 'fail';

/** One target field or node of the document. Exactly one of value / script / fields / default-only. */
export interface FieldNode {
  readonly value?: string;
  readonly script?: string;
  readonly default?: unknown;
  readonly when?: string;
  readonly loop?: string;
  readonly fields?: Readonly<Record<string, FieldNode>>;
  readonly validate?: ValidationRules;
}

export interface RecordRule {
  readonly expression: string;
  readonly message?: string;
}

export interface TargetRecordNode {
  readonly when?: string;
  readonly loop?: string;
  readonly fields: Readonly<Record<string, FieldNode>>;
  readonly validate?: readonly RecordRule[];
}

/** An interface in a document: a name given to compileMapping, or an inline JSON Schema. */
export type InterfaceRef = string | Readonly<Record<string, unknown>>;

export interface MappingDocument {
  readonly version: 1;
  readonly source?: { readonly interface?: InterfaceRef };
  readonly target?: { readonly interface?: InterfaceRef };
  readonly variables?: Readonly<Record<string, string>>;
  readonly runVariables?: Readonly<Record<string, string | number | boolean | null>>;
  readonly lookups?: readonly string[];
  readonly scripts?: Readonly<Record<string, ScriptDefinition>>;
  readonly records: readonly TargetRecordNode[];
  readonly onExpressionError?: ErrorPolicy;
  readonly onScriptError?: ErrorPolicy;
  readonly onValidationError?: ErrorPolicy;
  readonly maxRecordsPerSource?: number;
}

export interface CompileMappingOptions {
  /** The source interface; overrides `source.interface` of the document. */
  readonly sourceInterface?: RecordInterface;
  /** The target interface; overrides `target.interface` of the document. */
  readonly targetInterface?: RecordInterface;
  /** Interfaces the document may name (`source: { interface: orders }`). */
  readonly interfaces?: Readonly<Record<string, RecordInterface>>;
  /** Extra expression functions (names without `$`). */
  readonly functions?: Readonly<Record<string, ExpressionFunction>>;
  /** Names of the lookup tables runs will hand over; when given, every declared lookup must be one. */
  readonly lookups?: readonly string[];
  /** Runs `script:` fields and `$script(...)`; needed when the document declares scripts. */
  readonly scriptRunner?: ScriptRunner;
  /** Per-evaluation time budget of each expression (default 1000 ms). */
  readonly timeLimitMs?: number;
}

export interface RunContextOptions {
  readonly lookups?: Readonly<Record<string, LookupTable>>;
  /**
   * Where `$writeToOperationLog` (expressions) and `WriteToOperationLog` (scripts) messages go:
   * strings, cut to MAX_OPERATION_LOG_MESSAGE_LENGTH. Without it they are dropped.
   */
  readonly operationLog?: OperationLogSink;
}

/** The state one run shares across its records: lookup tables, run variables, the operation log. */
export interface RunContext {
  readonly lookups: Readonly<Record<string, LookupTable>>;
  readonly variables: Map<string, string | number | boolean | null>;
  readonly operationLog?: OperationLogSink;
}

export type ApplyResult =
  { readonly records: unknown[] } | { readonly failed: readonly ValidationFailure[] };

export interface CompiledMapping {
  readonly document: MappingDocument;
  readonly sourceInterface?: RecordInterface;
  readonly targetInterface?: RecordInterface;
  readonly scripts: Readonly<Record<string, ScriptDefinition>>;
  /** A fresh run: run variables at their declared initial values, the lookups checked. */
  createRunContext(options?: RunContextOptions): RunContext;
  /**
   * Maps one source record to zero or more target records (zero: skipped), or to the reasons it
   * failed. Synchronous. Throws MappingError `record_failed` when the document's policy for that
   * kind of error is `fail`.
   */
  apply(record: unknown, run: RunContext): ApplyResult;
}
