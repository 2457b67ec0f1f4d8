import type { CompiledScript, ScriptSandbox } from '../scripts/index.js';
import type { ScriptRunner } from './types.js';

/** A mapping's scripts compiled in a sandbox, as the ScriptRunner compileMapping takes. */
export interface SandboxedScripts {
  readonly runner: ScriptRunner;
  /** Frees the scripts' virtual machines (the sandbox itself stays the caller's). */
  dispose(): void;
}

/**
 * Compiles the `scripts:` of a mapping document (each a function body taking `record` and
 * `bindings`) in `sandbox`. Undefined when the document declares none. A script that does not
 * compile throws the sandbox's ScriptError (`script_syntax`, with the script's name and line).
 */
export function sandboxedScripts(
  document: unknown,
  sandbox: ScriptSandbox,
): SandboxedScripts | undefined {
  const declared =
    typeof document === 'object' && document !== null && Object.hasOwn(document, 'scripts')
      ? (document as { scripts?: unknown }).scripts
      : undefined;
  if (typeof declared !== 'object' || declared === null || Object.keys(declared).length === 0) {
    return undefined;
  }
  const compiled = new Map<string, CompiledScript>();
  try {
    for (const [name, definition] of Object.entries(declared)) {
      const source = (definition as { source?: unknown } | null)?.source;
      // A malformed entry is left for compileMapping to report with its path.
      if (typeof source !== 'string') continue;
      compiled.set(name, sandbox.compile(source, { name, shape: 'body' }));
    }
  } catch (error) {
    for (const script of compiled.values()) script.dispose();
    throw error;
  }
  return {
    runner: {
      run(name, input, bindings, operationLog) {
        const script = compiled.get(name);
        if (script === undefined) throw new Error(`no script named "${name}"`);
        return (
          operationLog === undefined
            ? script.run(input, bindings)
            : script.run(input, bindings, { operationLog })
        ).value;
      },
    },
    dispose() {
      for (const script of compiled.values()) script.dispose();
      compiled.clear();
    },
  };
}
