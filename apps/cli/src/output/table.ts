/**
 * Columns padded to their widest cell; the last column is left unpadded so a long message does
 * not push trailing spaces onto every line. Cells are expected to be printable already.
 */
export function table(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
): string[] {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [render(headers), ...rows.map(render)];
}

/** `2024-06-01 12:00:05Z`: UTC, so the same run reads the same on every machine and in CI logs. */
export function shortTime(iso: unknown): string {
  if (typeof iso !== 'string') return '-';
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return '-';
  return `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
