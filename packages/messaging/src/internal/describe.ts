/**
 * Says what kind of value arrived without repeating it: inputs here may be hostile, and
 * error messages end up in logs.
 */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A single character, quoted and escaped so that control characters stay visible and inert. */
export function quoteCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f || code > 0x7e)
    return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `"${character}"`;
}
