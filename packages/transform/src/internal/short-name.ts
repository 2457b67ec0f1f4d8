/** Longest name (key, header, element) quoted whole in an error message. */
export const SHORT_NAME_LENGTH = 80;

/**
 * A name as error messages show it: cut to 80 UTF-16 units with "…" after, so a key built
 * from record data cannot copy that data into logs wholesale. Never splits a surrogate pair.
 */
export function shortName(name: string): string {
  if (name.length <= SHORT_NAME_LENGTH) return name;
  const last = name.charCodeAt(SHORT_NAME_LENGTH - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? SHORT_NAME_LENGTH - 1 : SHORT_NAME_LENGTH;
  return `${name.slice(0, end)}…`;
}

/** `shortName` in double quotes, JSON-escaped (control characters stay invisible-safe). */
export function quotedName(name: string): string {
  return JSON.stringify(shortName(name));
}
