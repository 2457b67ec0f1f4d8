// compileMapping: checks a whole mapping document against its interfaces, reporting every
// problem at once with its path, and turns it into a synchronous per-record function.
import { ExpressionEngine, type CompiledExpression } from '../expression/engine.js';
import { TransformError } from '../errors.js';
import { jsonSchemaInterface } from '../interfaces/json-schema.js';
import type { RecordInterface } from '../interfaces/model.js';
import { describeExpressionError } from '../validation/rules.js';
import { invalidMapping, MappingError, type MappingProblem } from './errors.js';
import { isObject, type PlanTools } from './fields.js';
import { checkNames, withoutUnusedBindings } from './expressions.js';
import { compileRecords } from './records.js';
import { applyMapping } from './apply.js';
import { isRunVariableValue, runFunctions, runScript, type RunSlot } from './run-functions.js';
import type {
  CompiledMapping,
  CompileMappingOptions,
  ErrorPolicy,
  MappingDocument,
  RunContext,
  RunContextOptions,
  ScriptDefinition,
} from './types.js';

const DOCUMENT_KEYS = new Set([
  'version',
  'source',
  'target',
  'variables',
  'runVariables',
  'lookups',
  'scripts',
  'records',
  'onExpressionError',
  'onScriptError',
  'onValidationError',
  'maxRecordsPerSource',
]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_BINDINGS = new Set(['record', 'item', 'index', 'target', '__proto__']);
export const DEFAULT_MAX_RECORDS_PER_SOURCE = 10_000;

function resolveInterface(
  given: RecordInterface | undefined,
  ref: unknown,
  path: string,
  options: CompileMappingOptions,
  problems: MappingProblem[],
): RecordInterface | undefined {
  if (given) return given;
  if (ref === undefined) return undefined;
  if (typeof ref === 'string') {
    const named =
      options.interfaces && Object.hasOwn(options.interfaces, ref)
        ? options.interfaces[ref]
        : undefined;
    if (!named)
      problems.push({ path, message: `no interface named "${ref}" was given to compileMapping` });
    return named;
  }
  try {
    return jsonSchemaInterface(ref);
  } catch (error) {
    problems.push({
      path,
      message: TransformError.is(error) ? error.message : 'is not a usable JSON Schema',
    });
    return undefined;
  }
}

function policy(value: unknown, path: string, problems: MappingProblem[]): ErrorPolicy {
  if (value === undefined) return 'route';
  if (value === 'route' || value === 'fail') return value;
  problems.push({ path, message: 'must be "route" or "fail"' });
  return 'route';
}

function namesOf(value: unknown, path: string, problems: MappingProblem[]): string[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    !value.every((name) => typeof name === 'string' && IDENTIFIER.test(name))
  ) {
    problems.push({ path, message: 'must be a list of names (letters, digits, _)' });
    return [];
  }
  return value as string[];
}

function scriptsOf(value: unknown, problems: MappingProblem[]): Record<string, ScriptDefinition> {
  if (value === undefined) return {};
  if (!isObject(value)) {
    problems.push({ path: 'scripts', message: 'must be an object of named scripts' });
    return {};
  }
  const scripts: Record<string, ScriptDefinition> = {};
  for (const [name, script] of Object.entries(value)) {
    const ok =
      IDENTIFIER.test(name) &&
      isObject(script) &&
      script['language'] === 'javascript' &&
      typeof script['source'] === 'string';
    if (ok)
      scripts[name] = Object.freeze({ language: 'javascript', source: script['source'] as string });
    else
      problems.push({
        path: `scripts.${name}`,
        message:
          'must be { language: javascript, source: <text> } under a name of letters, digits, _',
      });
  }
  return scripts;
}

/**
 * Compiles a mapping document (parsed JSON/YAML data, see parseMappingDocument). Everything is
 * checked before it returns; if anything is wrong it throws one MappingError `invalid_mapping`
 * whose `problems` list every problem with its path.
 */
export function compileMapping(
  input: unknown,
  options: CompileMappingOptions = {},
): CompiledMapping {
  const problems: MappingProblem[] = [];
  if (!isObject(input)) throw invalidMapping([{ path: 'document', message: 'must be an object' }]);
  const doc = input;
  for (const key of Object.keys(doc))
    if (!DOCUMENT_KEYS.has(key)) problems.push({ path: key, message: 'unknown key' });
  if (doc['version'] !== 1) problems.push({ path: 'version', message: 'must be 1' });

  const sourceInterface = resolveInterface(
    options.sourceInterface,
    isObject(doc['source']) ? doc['source']['interface'] : undefined,
    'source.interface',
    options,
    problems,
  );
  const targetInterface = resolveInterface(
    options.targetInterface,
    isObject(doc['target']) ? doc['target']['interface'] : undefined,
    'target.interface',
    options,
    problems,
  );

  const lookups = namesOf(doc['lookups'], 'lookups', problems);
  if (options.lookups)
    lookups.forEach((name, index) => {
      if (!options.lookups?.includes(name))
        problems.push({
          path: `lookups[${index}]`,
          message: `unknown lookup "${name}": the run provides ${options.lookups?.join(', ') || 'none'}`,
        });
    });
  const scripts = scriptsOf(doc['scripts'], problems);
  if (Object.keys(scripts).length > 0 && !options.scriptRunner)
    problems.push({
      path: 'scripts',
      message: 'the mapping declares scripts but no scriptRunner was given to compileMapping',
    });

  const initialRunVariables = new Map<string, string | number | boolean | null>();
  if (doc['runVariables'] !== undefined) {
    if (!isObject(doc['runVariables']))
      problems.push({ path: 'runVariables', message: 'must be an object of initial values' });
    else
      for (const [name, value] of Object.entries(doc['runVariables'])) {
        if (IDENTIFIER.test(name) && isRunVariableValue(value))
          initialRunVariables.set(name, value);
        else
          problems.push({
            path: `runVariables.${name}`,
            message: 'must be a name of letters, digits, _ with a string, number, boolean or null',
          });
      }
  }

  const maxRecords = doc['maxRecordsPerSource'] ?? DEFAULT_MAX_RECORDS_PER_SOURCE;
  if (!Number.isSafeInteger(maxRecords) || (maxRecords as number) < 1)
    problems.push({ path: 'maxRecordsPerSource', message: 'must be a positive whole number' });
  const policies = {
    expression: policy(doc['onExpressionError'], 'onExpressionError', problems),
    script: policy(doc['onScriptError'], 'onScriptError', problems),
    validation: policy(doc['onValidationError'], 'onValidationError', problems),
  };

  const slot: RunSlot = { run: undefined };
  const declared = {
    lookups: new Set(lookups),
    runVariables: new Set(initialRunVariables.keys()),
    scripts: new Set(Object.keys(scripts)),
  };
  const mappingFunctions = runFunctions(slot, declared, options.scriptRunner);
  for (const name of Object.keys(options.functions ?? {}))
    if (Object.hasOwn(mappingFunctions, name))
      problems.push({
        path: `options.functions.${name}`,
        message: 'is a name the mapping reserves',
      });
  let engine: ExpressionEngine;
  try {
    engine = new ExpressionEngine({
      timeLimitMs: options.timeLimitMs,
      functions: { ...options.functions, ...mappingFunctions },
    });
  } catch (error) {
    throw invalidMapping([
      ...problems,
      { path: 'options', message: describeExpressionError(error) },
    ]);
  }
  // every name a record's bindings may hold: the fixed ones and the document's variables
  const bindingNames = new Set([
    ...RESERVED_BINDINGS,
    ...(isObject(doc['variables']) ? Object.keys(doc['variables']) : []),
  ]);
  const tools: PlanTools = {
    engine,
    problems,
    scripts: declared.scripts,
    runScript: (name, item, bindings) =>
      runScript(options.scriptRunner, name, item, bindings, slot.run?.operationLog),
    expression(source, path) {
      if (typeof source !== 'string') {
        problems.push({ path, message: 'must be an expression string' });
        return undefined;
      }
      checkNames(source, path, declared, problems);
      try {
        return withoutUnusedBindings(engine.compile(source), bindingNames);
      } catch (error) {
        problems.push({ path, message: describeExpressionError(error) });
        return undefined;
      }
    },
  };

  const variables: Array<{ name: string; expression: CompiledExpression | undefined }> = [];
  if (doc['variables'] !== undefined) {
    if (!isObject(doc['variables']))
      problems.push({ path: 'variables', message: 'must be an object of expressions' });
    else
      for (const [name, source] of Object.entries(doc['variables'])) {
        if (!IDENTIFIER.test(name) || RESERVED_BINDINGS.has(name))
          problems.push({
            path: `variables.${name}`,
            message: `must be named with letters, digits, _ and not ${[...RESERVED_BINDINGS].join(', ')}`,
          });
        variables.push({ name, expression: tools.expression(source, `variables.${name}`) });
      }
  }

  const records = compileRecords(doc['records'], sourceInterface, targetInterface, tools);
  if (problems.length > 0) throw invalidMapping(problems);

  const runs = new WeakSet<RunContext>();
  const plan = {
    variables: variables as Array<{ name: string; expression: CompiledExpression }>,
    records,
    policies,
    maxRecords: maxRecords as number,
    tools,
    slot,
  };
  return Object.freeze({
    document: doc as unknown as MappingDocument,
    sourceInterface,
    targetInterface,
    scripts: Object.freeze(scripts),
    createRunContext(runOptions?: RunContextOptions): RunContext {
      const given = runOptions?.lookups ?? {};
      const missing = lookups.filter(
        (name) => !Object.hasOwn(given, name) || !(given[name] instanceof Map),
      );
      if (missing.length > 0)
        throw new MappingError(
          'invalid_run',
          `lookup tables missing from the run: ${missing.join(', ')}`,
        );
      const sink = runOptions?.operationLog;
      if (sink !== undefined && typeof sink !== 'function')
        throw new MappingError('invalid_run', 'operationLog must be a function');
      const run: RunContext = {
        lookups: given,
        variables: new Map(initialRunVariables),
        ...(sink === undefined ? {} : { operationLog: sink }),
      };
      runs.add(run);
      return run;
    },
    apply(record: unknown, run: RunContext) {
      if (!runs.has(run))
        throw new MappingError(
          'invalid_run',
          'the run context was not made by this mapping’s createRunContext',
        );
      return applyMapping(plan, record, run);
    },
  });
}
