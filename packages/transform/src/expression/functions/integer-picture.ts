// $formatInteger and $parseInteger: the XPath F&O 3.1 fn:format-integer picture language
// (decimal digit patterns with grouping, roman numerals, letters, English words, ordinals),
// ported from the reference. The date/time pictures reuse these integer formats.

import type { NativeFunction } from '../contract.js';
import { define } from './define.js';
import { regularInterval } from './number-picture.js';
import { boundedCache, codePoints, fail } from './values.js';

const FEW = [
  'Zero',
  'One',
  'Two',
  'Three',
  'Four',
  'Five',
  'Six',
  'Seven',
  'Eight',
  'Nine',
  'Ten',
  'Eleven',
  'Twelve',
  'Thirteen',
  'Fourteen',
  'Fifteen',
  'Sixteen',
  'Seventeen',
  'Eighteen',
  'Nineteen',
];
const ORDINALS = [
  'Zeroth',
  'First',
  'Second',
  'Third',
  'Fourth',
  'Fifth',
  'Sixth',
  'Seventh',
  'Eighth',
  'Ninth',
  'Tenth',
  'Eleventh',
  'Twelfth',
  'Thirteenth',
  'Fourteenth',
  'Fifteenth',
  'Sixteenth',
  'Seventeenth',
  'Eighteenth',
  'Nineteenth',
];
const DECADES = [
  'Twenty',
  'Thirty',
  'Forty',
  'Fifty',
  'Sixty',
  'Seventy',
  'Eighty',
  'Ninety',
  'Hundred',
];
const MAGNITUDES = ['Thousand', 'Million', 'Billion', 'Trillion'];

export type LetterCase = 'upper' | 'lower' | 'title';

export interface IntegerFormat {
  primary: 'decimal' | 'letters' | 'roman' | 'words' | 'sequence';
  case: LetterCase;
  ordinal: boolean;
  zeroCode: number;
  mandatoryDigits: number;
  optionalDigits: number;
  /** Regular grouping: one separator every `interval` digits. */
  regular?: { interval: number; character: string };
  /** Irregular grouping: separators at these digit positions from the right. */
  separators: Array<{ position: number; character: string }>;
  /** For date/time parsing: digits to read when an integer directly follows another. */
  parseWidth?: number;
  /** The unsupported numbering sequence token (D3130). */
  token?: string;
}

function numberToWords(value: number, ordinal: boolean): string {
  const lookup = (num: number, prev: boolean, ord: boolean): string => {
    if (num <= 19) return (prev ? ' and ' : '') + ((ord ? ORDINALS[num] : FEW[num]) as string);
    if (num < 100) {
      const tens = Math.floor(num / 10);
      const remainder = num % 10;
      let words = (prev ? ' and ' : '') + (DECADES[tens - 2] as string);
      if (remainder > 0) words += '-' + lookup(remainder, false, ord);
      else if (ord) words = words.substring(0, words.length - 1) + 'ieth';
      return words;
    }
    if (num < 1000) {
      const remainder = num % 100;
      let words = (prev ? ', ' : '') + (FEW[Math.floor(num / 100)] as string) + ' Hundred';
      if (remainder > 0) words += lookup(remainder, true, ord);
      else if (ord) words += 'th';
      return words;
    }
    const magnitude = Math.min(Math.floor(Math.log10(num) / 3), MAGNITUDES.length);
    const factor = Math.pow(10, magnitude * 3);
    const mantissa = Math.floor(num / factor);
    const remainder = num - mantissa * factor;
    let words =
      (prev ? ', ' : '') +
      lookup(mantissa, false, false) +
      ' ' +
      (MAGNITUDES[magnitude - 1] as string);
    if (remainder > 0) words += lookup(remainder, true, ord);
    else if (ord) words += 'th';
    return words;
  };
  return lookup(value, false, ordinal);
}

const WORD_VALUES = new Map<string, number>();
FEW.forEach((word, index) => WORD_VALUES.set(word.toLowerCase(), index));
ORDINALS.forEach((word, index) => WORD_VALUES.set(word.toLowerCase(), index));
DECADES.forEach((word, index) => {
  const lower = word.toLowerCase();
  WORD_VALUES.set(lower, (index + 2) * 10);
  WORD_VALUES.set(lower.substring(0, word.length - 1) + 'ieth', (index + 2) * 10);
});
WORD_VALUES.set('hundredth', 100);
MAGNITUDES.forEach((word, index) => {
  const lower = word.toLowerCase();
  WORD_VALUES.set(lower, Math.pow(10, (index + 1) * 3));
  WORD_VALUES.set(lower + 'th', Math.pow(10, (index + 1) * 3));
});

/** Every word `wordsToNumber` understands, for the date/time scanner. */
export const NUMBER_WORDS: readonly string[] = [...WORD_VALUES.keys(), 'and'];

function wordsToNumber(text: string): number {
  const segments = [0];
  for (const part of text.split(/,\s|\sand\s|[\s\\-]/)) {
    const value = WORD_VALUES.get(part) as number;
    if (value < 100) {
      let top = segments.pop() as number;
      if (top >= 1000) {
        segments.push(top);
        top = 0;
      }
      segments.push(top + value);
    } else {
      segments.push((segments.pop() as number) * value);
    }
  }
  return segments.reduce((a, b) => a + b, 0);
}

const ROMAN_NUMERALS: ReadonlyArray<readonly [number, string]> = [
  [1000, 'm'],
  [900, 'cm'],
  [500, 'd'],
  [400, 'cd'],
  [100, 'c'],
  [90, 'xc'],
  [50, 'l'],
  [40, 'xl'],
  [10, 'x'],
  [9, 'ix'],
  [5, 'v'],
  [4, 'iv'],
  [1, 'i'],
];
const ROMAN_VALUES: Readonly<Record<string, number>> = {
  M: 1000,
  D: 500,
  C: 100,
  L: 50,
  X: 10,
  V: 5,
  I: 1,
};

function decimalToRoman(value: number): string {
  let result = '';
  let rest = value;
  for (const [amount, numeral] of ROMAN_NUMERALS) {
    while (rest >= amount) {
      result += numeral;
      rest -= amount;
    }
  }
  return result;
}

function romanToDecimal(roman: string): number {
  let decimal = 0;
  let max = 1;
  for (let i = roman.length - 1; i >= 0; i--) {
    const char = roman.charAt(i);
    const value = Object.hasOwn(ROMAN_VALUES, char) ? (ROMAN_VALUES[char] as number) : Number.NaN;
    if (value < max) {
      decimal -= value;
    } else {
      max = value;
      decimal += value;
    }
  }
  return decimal;
}

function decimalToLetters(value: number, aChar: string): string {
  const letters: string[] = [];
  const aCode = aChar.charCodeAt(0);
  let rest = value;
  while (rest > 0) {
    letters.unshift(String.fromCharCode(((rest - 1) % 26) + aCode));
    rest = Math.floor((rest - 1) / 26);
  }
  return letters.join('');
}

function lettersToDecimal(letters: string, aChar: string): number {
  const aCode = aChar.charCodeAt(0);
  let decimal = 0;
  for (let i = 0; i < letters.length; i++) {
    decimal += (letters.charCodeAt(letters.length - i - 1) - aCode + 1) * Math.pow(26, i);
  }
  return decimal;
}

const DECIMAL_GROUPS = [
  0x30, 0x0660, 0x06f0, 0x07c0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6,
  0x0d66, 0x0de6, 0x0e50, 0x0ed0, 0x0f20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80,
  0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0,
  0xff10,
];

function analyseDigitPattern(format: IntegerFormat, pattern: string): void {
  let zeroCode: number | undefined;
  let position = 0;
  // Walk from the right, so that separator positions count digits from the units.
  for (const char of codePoints(pattern).reverse()) {
    const code = char.codePointAt(0) as number;
    const group = DECIMAL_GROUPS.find((zero) => code >= zero && code <= zero + 9);
    if (group !== undefined) {
      format.mandatoryDigits++;
      position++;
      if (zeroCode === undefined) zeroCode = group;
      else if (group !== zeroCode)
        fail('D3131', 'In a decimal digit pattern, all digits must be from the same decimal group');
    } else if (char === '#') {
      position++;
      format.optionalDigits++;
    } else {
      format.separators.push({ position, character: char });
    }
  }
  if (format.mandatoryDigits === 0) {
    format.primary = 'sequence';
    format.token = pattern;
    return;
  }
  format.zeroCode = zeroCode ?? 0x30;
  const first = format.separators[0];
  const sameCharacter = format.separators.every(
    (separator) => separator.character === first?.character,
  );
  const interval = sameCharacter
    ? regularInterval(format.separators.map((separator) => separator.position))
    : 0;
  if (first && interval > 0) format.regular = { interval, character: first.character };
}

/** Analyses an integer picture such as `#,##0`, `I`, `w`, `Ww;o`. */
export function analyseIntegerPicture(picture: string): IntegerFormat {
  const format: IntegerFormat = {
    primary: 'decimal',
    case: 'lower',
    ordinal: false,
    zeroCode: 0x30,
    mandatoryDigits: 0,
    optionalDigits: 0,
    separators: [],
  };
  const semicolon = picture.lastIndexOf(';');
  const primary = semicolon === -1 ? picture : picture.substring(0, semicolon);
  if (semicolon !== -1 && picture.charAt(semicolon + 1) === 'o') format.ordinal = true;
  switch (primary) {
    case 'A':
    case 'a':
      format.primary = 'letters';
      format.case = primary === 'A' ? 'upper' : 'lower';
      break;
    case 'I':
    case 'i':
      format.primary = 'roman';
      format.case = primary === 'I' ? 'upper' : 'lower';
      break;
    case 'W':
    case 'Ww':
    case 'w':
      format.primary = 'words';
      format.case = primary === 'W' ? 'upper' : primary === 'Ww' ? 'title' : 'lower';
      break;
    default:
      analyseDigitPattern(format, primary);
  }
  return format;
}

function ordinalSuffix(digits: string): string {
  const last = digits.charAt(digits.length - 1);
  const suffix = last === '1' ? 'st' : last === '2' ? 'nd' : last === '3' ? 'rd' : 'th';
  return digits.length > 1 && digits.charAt(digits.length - 2) === '1' ? 'th' : suffix;
}

function formatDecimal(value: number, format: IntegerFormat): string {
  let text = String(value);
  const padLength = format.mandatoryDigits - text.length;
  if (padLength > 0) text = '0'.repeat(padLength) + text;
  if (format.zeroCode !== 0x30) {
    text = codePoints(text)
      .map((char) => String.fromCodePoint((char.codePointAt(0) as number) + format.zeroCode - 0x30))
      .join('');
  }
  if (format.regular) {
    const { interval, character } = format.regular;
    const count = Math.floor((text.length - 1) / interval);
    for (let group = count; group > 0; group--) {
      const position = text.length - group * interval;
      text = text.substring(0, position) + character + text.substring(position);
    }
  } else {
    for (const separator of [...format.separators].reverse()) {
      const position = text.length - separator.position;
      text = text.substring(0, position) + separator.character + text.substring(position);
    }
  }
  return format.ordinal ? text + ordinalSuffix(text) : text;
}

/** Formats an integer with an analysed picture (shared with the date/time pictures). */
export function formatWithPicture(value: number, format: IntegerFormat): string {
  const negative = value < 0;
  const magnitude = Math.abs(value);
  let text: string;
  switch (format.primary) {
    case 'letters':
      text = decimalToLetters(magnitude, format.case === 'upper' ? 'A' : 'a');
      break;
    case 'roman':
      text = decimalToRoman(magnitude);
      if (format.case === 'upper') text = text.toUpperCase();
      break;
    case 'words':
      text = numberToWords(magnitude, format.ordinal);
      if (format.case === 'upper') text = text.toUpperCase();
      else if (format.case === 'lower') text = text.toLowerCase();
      break;
    case 'decimal':
      text = formatDecimal(magnitude, format);
      break;
    default:
      return unsupportedSequence(format);
  }
  return negative ? '-' + text : text;
}

export function unsupportedSequence(format: IntegerFormat): never {
  return fail(
    'D3130',
    `Formatting or parsing an integer as a sequence starting with ${format.token ?? ''} is not supported by this implementation`,
    { value: format.token },
  );
}

/** Reads an integer written in an analysed picture (no validation, as in the reference). */
export function parseWithPicture(text: string, format: IntegerFormat): number {
  const upper = format.case === 'upper';
  switch (format.primary) {
    case 'letters':
      return lettersToDecimal(text, upper ? 'A' : 'a');
    case 'roman':
      return romanToDecimal(upper ? text : text.toUpperCase());
    case 'words':
      return wordsToNumber(text.toLowerCase());
    case 'decimal': {
      let digits = format.ordinal ? text.substring(0, text.length - 2) : text;
      if (format.regular) digits = digits.split(',').join('');
      else
        for (const separator of format.separators)
          digits = digits.split(separator.character).join('');
      if (format.zeroCode !== 0x30) {
        digits = codePoints(digits)
          .map((char) =>
            String.fromCodePoint((char.codePointAt(0) as number) - format.zeroCode + 0x30),
          )
          .join('');
      }
      return Number.parseInt(digits, 10);
    }
    default:
      return unsupportedSequence(format);
  }
}

const analysedIntegerPicture = boundedCache(256, analyseIntegerPicture);

export const INTEGER_PICTURE_FUNCTIONS: readonly NativeFunction[] = [
  define('formatInteger', '<n-s:s>', ([value, picture]) =>
    value === undefined
      ? undefined
      : formatWithPicture(Math.floor(value as number), analysedIntegerPicture(picture as string)),
  ),
  define('parseInteger', '<s-s:n>', ([text, picture]) =>
    text === undefined
      ? undefined
      : parseWithPicture(text as string, analysedIntegerPicture(picture as string)),
  ),
];
