import { ScriptError } from './errors.js';

export interface ScriptSandboxOptions {
  /** Heap of one compiled script's VM, in bytes; default 32 MiB (min 1 MiB, max 1 GiB). */
  memoryLimitBytes?: number;
  /** CPU-time budget of one run (and of a script's top-level code), in ms; default 1000 (max 60 000). */
  timeLimitMs?: number;
  /**
   * Stack of one VM, in bytes; default 128 KiB (min 16 KiB, max 256 KiB). The cap is low on
   * purpose: QuickJS's C recursion runs on the host's own stack, so a larger limit would let a
   * deep recursion overflow Node's stack before QuickJS notices.
   */
  maxStackBytes?: number;
  /** Longest result, as JSON text (UTF-8 bytes); default 8 MiB. */
  maxOutputBytes?: number;
  /** Longest record, and longest bindings, as JSON text (UTF-8 bytes); default 8 MiB. */
  maxInputBytes?: number;
  /** Total `log()` output kept per run (UTF-8 bytes); default 64 KiB. */
  maxLogBytes?: number;
}

export type ResolvedSandboxOptions = Readonly<Required<ScriptSandboxOptions>>;

const MiB = 1024 * 1024;

export const DEFAULT_SCRIPT_LIMITS: ResolvedSandboxOptions = Object.freeze({
  memoryLimitBytes: 32 * MiB,
  timeLimitMs: 1000,
  maxStackBytes: 128 * 1024,
  maxOutputBytes: 8 * MiB,
  maxInputBytes: 8 * MiB,
  maxLogBytes: 64 * 1024,
});

const RANGES: Readonly<Record<keyof ScriptSandboxOptions, readonly [number, number]>> = {
  memoryLimitBytes: [MiB, 1024 * MiB],
  timeLimitMs: [1, 60_000],
  maxStackBytes: [16 * 1024, 256 * 1024],
  maxOutputBytes: [1, 256 * MiB],
  maxInputBytes: [1, 256 * MiB],
  maxLogBytes: [0, 16 * MiB],
};

/** Deepest nesting of data crossing the boundary either way (records are shallow in practice). */
export const MAX_DATA_DEPTH = 256;
/** Longest script source accepted, in characters. */
export const MAX_SOURCE_LENGTH = 1024 * 1024;
/** Longest script name; it appears in errors and stack traces. */
export const MAX_NAME_LENGTH = 200;
/** Longest error message kept from a script. */
export const MAX_MESSAGE_LENGTH = 500;

export function resolveSandboxOptions(options: ScriptSandboxOptions = {}): ResolvedSandboxOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ScriptError('invalid_option', 'script sandbox options must be an object');
  }
  const resolved: Record<string, number> = { ...DEFAULT_SCRIPT_LIMITS };
  for (const key of Object.keys(options)) {
    const range = RANGES[key as keyof ScriptSandboxOptions];
    if (range === undefined) {
      throw new ScriptError('invalid_option', `unknown script sandbox option "${key}"`);
    }
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < range[0] ||
      value > range[1]
    ) {
      throw new ScriptError(
        'invalid_option',
        `script sandbox option ${key} must be an integer from ${range[0]} to ${range[1]}`,
      );
    }
    resolved[key] = value;
  }
  return Object.freeze(resolved) as ResolvedSandboxOptions;
}
