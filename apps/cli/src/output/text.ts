// Text from the control plane (messages, names, run log lines) is shown on a terminal: control
// characters are replaced so an answer cannot move the cursor, recolour or retitle the terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

/** One line of untrusted text, safe to print: no control characters, no line breaks, capped. */
export function printable(value: unknown, max = 500): string {
  const text = (
    typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)
  )
    .replace(/\r\n|\r|\n|\t/g, ' ')
    .replace(CONTROL, '?');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `1 record` / `3 records`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
