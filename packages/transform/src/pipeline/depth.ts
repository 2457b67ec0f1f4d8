/**
 * Whether `value` nests arrays and objects deeper than `limit` levels (the value itself, when an
 * array or object, is level 1 — the way readNdjson counts `[` and `{`). Iterative, so a value
 * a hundred thousand levels deep cannot overflow the stack here; a cycle counts as too deep.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const item = values.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    const children = Array.isArray(item) ? item : Object.values(item);
    for (const child of children)
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
  }
  return false;
}
