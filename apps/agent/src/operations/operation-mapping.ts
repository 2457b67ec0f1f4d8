import {
  compileMapping,
  createScriptSandbox,
  MappingError,
  parseMappingDocument,
  sandboxedScripts,
  ScriptError,
  type CompiledMapping,
  type RecordInterface,
  type ScriptSandbox,
} from '@weft/transform';
import { OperationRunError } from './operation-run.error.js';

/** A run's compiled mapping, and what must be freed when the run ends (its scripts' sandbox). */
export interface OperationMapping {
  readonly compiled: CompiledMapping;
  dispose(): void;
}

/**
 * Compiles a run's mapping document (an object, or its YAML/JSON text) against the interfaces it
 * may name. When it declares `scripts:` they are compiled in a WebAssembly sandbox of the run's own
 * (`createScriptSandbox` of @weft/transform), freed by `dispose()`. Anything wrong with the document
 * or its scripts fails the run `invalid_mapping` with every problem.
 */
export async function compileOperationMapping(
  document: unknown,
  interfaces: Readonly<Record<string, RecordInterface>>,
): Promise<OperationMapping> {
  const parsed = refuseAsInvalid(() =>
    typeof document === 'string' ? parseMappingDocument(document) : document,
  );
  const sandbox: ScriptSandbox | undefined = declaresScripts(parsed)
    ? await createScriptSandbox()
    : undefined;
  try {
    const compiled = refuseAsInvalid(() => {
      const scripts = sandbox === undefined ? undefined : sandboxedScripts(parsed, sandbox);
      return compileMapping(parsed, {
        interfaces,
        ...(scripts === undefined ? {} : { scriptRunner: scripts.runner }),
      });
    });
    return { compiled, dispose: () => sandbox?.dispose() };
  } catch (error) {
    sandbox?.dispose();
    throw error;
  }
}

function declaresScripts(document: unknown): boolean {
  const scripts =
    typeof document === 'object' && document !== null && Object.hasOwn(document, 'scripts')
      ? (document as { scripts?: unknown }).scripts
      : undefined;
  return typeof scripts === 'object' && scripts !== null && Object.keys(scripts).length > 0;
}

function refuseAsInvalid<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (MappingError.is(error) || ScriptError.is(error))
      throw new OperationRunError('invalid_mapping', error.message);
    throw error;
  }
}
