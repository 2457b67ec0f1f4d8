import type { CallContext, NativeFunction } from '../contract.js';

/** Declares a library function; arguments arrive validated against `signature`. */
export function define(
  name: string,
  signature: string,
  implementation: (args: unknown[], context: CallContext) => unknown,
): NativeFunction {
  return Object.freeze({ name, signature, implementation });
}
