// String functions without regular expressions: $string, $length, $substring, $pad, $join,
// base64 and URL encoding. Lengths and positions count code points, as the reference does.

import { isSequence, type CallContext, type NativeFunction } from '../contract.js';
import { define } from './define.js';
import { codePoints, fail, isCallable, isNumeric, isSimpleText, quote } from './values.js';

/** JSON text of a value with numbers at 15 significant digits; functions become ''. */
export function stringify(value: unknown, prettify = false): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (item !== undefined && item !== null && isNumeric(item)) {
        return Number.isInteger(item) ? item : Number(item.toPrecision(15));
      }
      return isCallable(item) ? '' : item;
    },
    prettify ? 2 : 0,
  );
}

function join(characters: string | string[]): string {
  return typeof characters === 'string' ? characters : characters.join('');
}

/** Length in code points. */
function lengthOf(text: string): number {
  return isSimpleText(text) ? text.length : codePoints(text).length;
}

/** `$string`: casts any value to a string. */
export function castString(value: unknown, prettify = false): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (isCallable(value)) return '';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    fail('D3001', 'Attempting to invoke string function on Infinity or NaN', { value });
  }
  if (typeof value === 'number') {
    // The common case, without JSON.stringify's replacer machinery.
    return String(Number.isInteger(value) ? value : Number(value.toPrecision(15)));
  }
  if (typeof value === 'boolean' || value === null) return String(value);
  const subject = isSequence(value) && value.outerWrapper ? value[0] : value;
  return stringify(subject, prettify);
}

export function substring(text: string, start: number, length?: number): string {
  const characters = isSimpleText(text) ? text : codePoints(text);
  let from = start;
  if (characters.length + from < 0) from = 0;
  if (length !== undefined) {
    if (length <= 0) return '';
    const end = from >= 0 ? from + length : characters.length + from + length;
    return join(characters.slice(from, end));
  }
  return join(characters.slice(from));
}

function pad(
  text: string,
  width: number,
  padding: string | undefined,
  context: CallContext,
): string {
  const fill = padding === undefined || padding.length === 0 ? ' ' : padding;
  const target = Math.trunc(width);
  const padLength = Math.abs(target) - lengthOf(text);
  if (!(padLength > 0)) return text;
  context.charge(padLength);
  let filler = fill.repeat(padLength);
  if (fill.length > 1) filler = substring(filler, 0, padLength);
  return target > 0 ? text + filler : filler + text;
}

function trim(text: string): string {
  let result = text.replace(/[ \t\n\r]+/g, ' ');
  if (result.startsWith(' ')) result = result.substring(1);
  if (result.endsWith(' ')) result = result.substring(0, result.length - 1);
  return result;
}

function urlCoded(name: string, code: (text: string) => string): NativeFunction {
  return define(name, '<s-:s>', ([text]) => {
    if (text === undefined) return undefined;
    try {
      return code(text as string);
    } catch {
      return fail('D3140', `Malformed URL passed to $${name}(): ${quote(text)}`, { value: text });
    }
  });
}

/** Applies `operation` unless the first argument is missing ("undefined in, undefined out"). */
function onString(
  name: string,
  signature: string,
  operation: (text: string, args: unknown[], context: CallContext) => unknown,
) {
  return define(name, signature, (args, context) =>
    args[0] === undefined ? undefined : operation(args[0] as string, args, context),
  );
}

export const STRING_FUNCTIONS: readonly NativeFunction[] = [
  define('string', '<x-b?:s>', ([value, prettify], context) => {
    const result = castString(value, prettify === true);
    if (result !== undefined) context.charge(result.length);
    return result;
  }),
  onString('length', '<s-:n>', lengthOf),
  onString('substring', '<s-nn?:s>', (text, [, start, length]) =>
    substring(text, start as number, length as number | undefined),
  ),
  onString('substringBefore', '<s-s:s>', (text, [, chars]) => {
    const position = text.indexOf(chars as string);
    return position > -1 ? text.substring(0, position) : text;
  }),
  onString('substringAfter', '<s-s:s>', (text, [, chars]) => {
    const position = text.indexOf(chars as string);
    return position > -1 ? text.substring(position + (chars as string).length) : text;
  }),
  onString('lowercase', '<s-:s>', (text) => text.toLowerCase()),
  onString('uppercase', '<s-:s>', (text) => text.toUpperCase()),
  onString('trim', '<s-:s>', trim),
  onString('pad', '<s-ns?:s>', (text, [, width, padding], context) =>
    pad(text, width as number, padding as string | undefined, context),
  ),
  define('join', '<a<s>s?:s>', ([strings, separator], context) => {
    if (strings === undefined) return undefined;
    const result = (strings as string[]).join((separator as string | undefined) ?? '');
    context.charge(result.length);
    return result;
  }),
  onString('base64encode', '<s-:s>', (text) => Buffer.from(text, 'latin1').toString('base64')),
  onString('base64decode', '<s-:s>', (text) => Buffer.from(text, 'base64').toString('latin1')),
  urlCoded('encodeUrlComponent', encodeURIComponent),
  urlCoded('encodeUrl', encodeURI),
  urlCoded('decodeUrlComponent', decodeURIComponent),
  urlCoded('decodeUrl', decodeURI),
];
