export {
  createScriptSandbox,
  type CompileScriptOptions,
  type ScriptSandbox,
  type ScriptShape,
} from './sandbox.js';
export type { CompiledScript, ScriptRunOptions, ScriptRunResult } from './compiled-script.js';
export {
  SCRIPT_ERROR_CODES,
  ScriptError,
  type ScriptErrorCode,
  type ScriptErrorDetails,
} from './errors.js';
export {
  DEFAULT_SCRIPT_LIMITS,
  type ResolvedSandboxOptions,
  type ScriptSandboxOptions,
} from './options.js';
