// $formatNumber: the XPath F&O 3.1 fn:format-number picture language (§4.7), ported from the
// reference implementation step by step (the "bullet" comments follow the spec's numbering).

import type { NativeFunction } from '../contract.js';
import { define } from './define.js';
import { roundHalfEven } from './numbers.js';
import { fail, ownKeys, ownValue } from './values.js';

type Properties = Record<string, string>;

const DEFAULT_PROPERTIES: Readonly<Properties> = {
  'decimal-separator': '.',
  'grouping-separator': ',',
  'exponent-separator': 'e',
  infinity: 'Infinity',
  'minus-sign': '-',
  NaN: 'NaN',
  percent: '%',
  'per-mille': '\u2030',
  'zero-digit': '0',
  digit: '#',
  'pattern-separator': ';',
};

const PICTURE_ERRORS: Readonly<Record<string, string>> = {
  D3080: 'The picture string must only contain a maximum of two sub-pictures',
  D3081:
    "The sub-picture must not contain more than one instance of the 'decimal-separator' character",
  D3082: "The sub-picture must not contain more than one instance of the 'percent' character",
  D3083: "The sub-picture must not contain more than one instance of the 'per-mille' character",
  D3084: "The sub-picture must not contain both a 'percent' and a 'per-mille' character",
  D3085:
    "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'",
  D3086:
    'The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character',
  D3087:
    "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character",
  D3088: "The sub-picture must not contain a 'grouping-separator' at the end of the integer part",
  D3089:
    "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character",
  D3090:
    "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'",
  D3091:
    "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'",
  D3092:
    "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'",
  D3093:
    "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'",
};

function pictureError(code: string): never {
  return fail(code, PICTURE_ERRORS[code] ?? 'Invalid picture string');
}

interface PictureParts {
  prefix: string;
  suffix: string;
  activePart: string;
  mantissaPart: string;
  exponentPart: string | undefined;
  integerPart: string;
  fractionalPart: string;
  subpicture: string;
}

interface PictureVariables {
  integerPartGroupingPositions: number[];
  regularGrouping: number;
  minimumIntegerPartSize: number;
  scalingFactor: number;
  prefix: string;
  fractionalPartGroupingPositions: number[];
  minimumFactionalPartSize: number;
  maximumFactionalPartSize: number;
  minimumExponentSize: number;
  suffix: string;
  picture: string;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The interval when grouping positions are evenly spaced, else 0. */
export function regularInterval(positions: readonly number[]): number {
  if (positions.length === 0) return 0;
  const factor = positions.reduce(gcd);
  for (let index = 1; index <= positions.length; index++) {
    if (!positions.includes(index * factor)) return 0;
  }
  return factor;
}

class NumberPicture {
  readonly digits: string[] = [];
  readonly active: string[];

  constructor(readonly properties: Properties) {
    const zero = (properties['zero-digit'] as string).charCodeAt(0);
    for (let code = zero; code < zero + 10; code++) this.digits.push(String.fromCharCode(code));
    this.active = [
      ...this.digits,
      properties['decimal-separator'] as string,
      properties['exponent-separator'] as string,
      properties['grouping-separator'] as string,
      properties['digit'] as string,
      properties['pattern-separator'] as string,
    ];
  }

  prop(name: string): string {
    return this.properties[name] as string;
  }

  isDigit(char: string): boolean {
    return this.digits.includes(char);
  }

  countDigits(text: string, includeOptional = false): number {
    return [...text].filter(
      (char) => this.isDigit(char) || (includeOptional && char === this.prop('digit')),
    ).length;
  }

  split(subpicture: string): PictureParts {
    const isActive = (char: string): boolean =>
      this.active.includes(char) && char !== this.prop('exponent-separator');
    let prefix = '';
    for (let i = 0; i < subpicture.length; i++) {
      if (isActive(subpicture.charAt(i))) {
        prefix = subpicture.substring(0, i);
        break;
      }
    }
    let suffix = '';
    for (let i = subpicture.length - 1; i >= 0; i--) {
      if (isActive(subpicture.charAt(i))) {
        suffix = subpicture.substring(i + 1);
        break;
      }
    }
    const activePart = subpicture.substring(prefix.length, subpicture.length - suffix.length);
    let mantissaPart = activePart;
    let exponentPart: string | undefined;
    const exponentPosition = subpicture.indexOf(this.prop('exponent-separator'), prefix.length);
    if (exponentPosition !== -1 && exponentPosition <= subpicture.length - suffix.length) {
      mantissaPart = activePart.substring(0, exponentPosition);
      exponentPart = activePart.substring(exponentPosition + 1);
    }
    const decimalPosition = mantissaPart.indexOf(this.prop('decimal-separator'));
    const integerPart =
      decimalPosition === -1 ? mantissaPart : mantissaPart.substring(0, decimalPosition);
    const fractionalPart =
      decimalPosition === -1 ? suffix : mantissaPart.substring(decimalPosition + 1);
    return {
      prefix,
      suffix,
      activePart,
      mantissaPart,
      exponentPart,
      integerPart,
      fractionalPart,
      subpicture,
    };
  }

  /** F&O 4.7.3: the reference reports the last rule broken. */
  validate(parts: PictureParts): void {
    let error: string | undefined;
    const { subpicture } = parts;
    const once = (char: string): boolean =>
      subpicture.indexOf(char) === subpicture.lastIndexOf(char);
    const decimal = this.prop('decimal-separator');
    const grouping = this.prop('grouping-separator');
    const percent = this.prop('percent');
    const perMille = this.prop('per-mille');
    const decimalPos = subpicture.indexOf(decimal);
    if (!once(decimal)) error = 'D3081';
    if (!once(percent)) error = 'D3082';
    if (!once(perMille)) error = 'D3083';
    if (subpicture.includes(percent) && subpicture.includes(perMille)) error = 'D3084';
    if (![...parts.mantissaPart].some((char) => this.isDigit(char) || char === this.prop('digit')))
      error = 'D3085';
    if ([...parts.activePart].some((char) => !this.active.includes(char))) error = 'D3086';
    if (decimalPos !== -1) {
      if (
        subpicture.charAt(decimalPos - 1) === grouping ||
        subpicture.charAt(decimalPos + 1) === grouping
      ) {
        error = 'D3087';
      }
    } else if (parts.integerPart.charAt(parts.integerPart.length - 1) === grouping) {
      error = 'D3088';
    }
    if (subpicture.includes(grouping + grouping)) error = 'D3089';
    let optional = parts.integerPart.indexOf(this.prop('digit'));
    if (optional !== -1 && this.countDigits(parts.integerPart.substring(0, optional)) > 0)
      error = 'D3090';
    optional = parts.fractionalPart.lastIndexOf(this.prop('digit'));
    if (optional !== -1 && this.countDigits(parts.fractionalPart.substring(optional)) > 0)
      error = 'D3091';
    const exponent = parts.exponentPart;
    if (
      exponent !== undefined &&
      exponent.length > 0 &&
      (subpicture.includes(percent) || subpicture.includes(perMille))
    ) {
      error = 'D3092';
    }
    if (
      exponent !== undefined &&
      (exponent.length === 0 || [...exponent].some((char) => !this.isDigit(char)))
    ) {
      error = 'D3093';
    }
    if (error) pictureError(error);
  }

  /** F&O 4.7.4. */
  analyse(parts: PictureParts): PictureVariables {
    const grouping = this.prop('grouping-separator');
    const groupingPositions = (part: string, toLeft: boolean): number[] => {
      const positions: number[] = [];
      let position = part.indexOf(grouping);
      while (position !== -1) {
        const side = toLeft ? part.substring(0, position) : part.substring(position);
        positions.push(this.countDigits(side, true));
        // The reference searches the integer part here, also for the fractional part.
        position = parts.integerPart.indexOf(grouping, position + 1);
      }
      return positions;
    };
    const integerPartGroupingPositions = groupingPositions(parts.integerPart, false);
    let minimumIntegerPartSize = this.countDigits(parts.integerPart);
    const scalingFactor = minimumIntegerPartSize;
    let minimumFactionalPartSize = this.countDigits(parts.fractionalPart);
    let maximumFactionalPartSize = this.countDigits(parts.fractionalPart, true);
    const exponentPresent = parts.exponentPart !== undefined;
    if (minimumIntegerPartSize === 0 && maximumFactionalPartSize === 0) {
      if (exponentPresent) {
        minimumFactionalPartSize = 1;
        maximumFactionalPartSize = 1;
      } else {
        minimumIntegerPartSize = 1;
      }
    }
    if (
      exponentPresent &&
      minimumIntegerPartSize === 0 &&
      parts.integerPart.includes(this.prop('digit'))
    ) {
      minimumIntegerPartSize = 1;
    }
    if (minimumIntegerPartSize === 0 && minimumFactionalPartSize === 0)
      minimumFactionalPartSize = 1;
    return {
      integerPartGroupingPositions,
      regularGrouping: regularInterval(integerPartGroupingPositions),
      minimumIntegerPartSize,
      scalingFactor,
      prefix: parts.prefix,
      fractionalPartGroupingPositions: groupingPositions(parts.fractionalPart, true),
      minimumFactionalPartSize,
      maximumFactionalPartSize,
      minimumExponentSize: exponentPresent ? this.countDigits(parts.exponentPart ?? '') : 0,
      suffix: parts.suffix,
      picture: parts.subpicture,
    };
  }

  digitString(value: number, decimals: number): string {
    const text = Math.abs(value).toFixed(decimals);
    if (this.prop('zero-digit') === '0') return text;
    return [...text]
      .map((char) => (char >= '0' && char <= '9' ? this.digits[char.charCodeAt(0) - 48] : char))
      .join('');
  }
}

function insertAt(text: string, position: number, insert: string): string {
  return text.slice(0, position) + insert + text.slice(position);
}

export function formatNumber(value: number, picture: string, options?: unknown): string {
  const properties: Properties = Object.assign(
    Object.create(null) as Properties,
    DEFAULT_PROPERTIES,
  );
  for (const key of ownKeys(options)) {
    const setting = ownValue(options, key);
    if (typeof setting === 'string') properties[key] = setting;
  }
  const format = new NumberPicture(properties);
  const subPictures = picture.split(format.prop('pattern-separator'));
  if (subPictures.length > 2) pictureError('D3080');
  const parts = subPictures.map((sub) => format.split(sub));
  parts.forEach((part) => format.validate(part));
  const variables = parts.map((part) => format.analyse(part));
  const minus = format.prop('minus-sign');
  const zero = format.prop('zero-digit');
  const decimal = format.prop('decimal-separator');
  const grouping = format.prop('grouping-separator');
  if (variables.length === 1) {
    const negative = structuredClone(variables[0] as PictureVariables);
    negative.prefix = minus + negative.prefix;
    variables.push(negative);
  }
  // bullet 2
  const pic = (value >= 0 ? variables[0] : variables[1]) as PictureVariables;
  // bullet 3
  let adjusted = value;
  if (pic.picture.includes(format.prop('percent'))) adjusted = value * 100;
  else if (pic.picture.includes(format.prop('per-mille'))) adjusted = value * 1000;
  // bullet 5
  let mantissa = adjusted;
  let exponent: number | undefined;
  if (pic.minimumExponentSize !== 0) {
    const maxMantissa = Math.pow(10, pic.scalingFactor);
    const minMantissa = Math.pow(10, pic.scalingFactor - 1);
    exponent = 0;
    if (mantissa !== 0) {
      while (Math.abs(mantissa) < minMantissa) {
        mantissa *= 10;
        exponent -= 1;
      }
      while (Math.abs(mantissa) > maxMantissa) {
        mantissa /= 10;
        exponent += 1;
      }
    }
  }
  // bullets 6 and 7
  const rounded = roundHalfEven(mantissa, pic.maximumFactionalPartSize);
  let text = format.digitString(rounded, pic.maximumFactionalPartSize);
  text = text.includes('.') ? text.replace('.', decimal) : text + decimal;
  while (text.charAt(0) === zero) text = text.substring(1);
  while (text.charAt(text.length - 1) === zero) text = text.substring(0, text.length - 1);
  // bullets 8 and 9
  let decimalPos = text.indexOf(decimal);
  const padLeft = pic.minimumIntegerPartSize - decimalPos;
  const padRight = pic.minimumFactionalPartSize - (text.length - decimalPos - 1);
  text =
    (padLeft > 0 ? zero.repeat(padLeft) : '') + text + (padRight > 0 ? zero.repeat(padRight) : '');
  decimalPos = text.indexOf(decimal);
  // bullet 10
  if (pic.regularGrouping > 0) {
    const groupCount = Math.floor((decimalPos - 1) / pic.regularGrouping);
    for (let group = 1; group <= groupCount; group++) {
      text = insertAt(text, decimalPos - group * pic.regularGrouping, grouping);
    }
  } else {
    for (const position of pic.integerPartGroupingPositions) {
      text = insertAt(text, decimalPos - position, grouping);
      decimalPos++;
    }
  }
  // bullet 11
  decimalPos = text.indexOf(decimal);
  for (const position of pic.fractionalPartGroupingPositions) {
    text = insertAt(text, position + decimalPos + 1, grouping);
  }
  // bullet 12
  decimalPos = text.indexOf(decimal);
  if (!pic.picture.includes(decimal) || decimalPos === text.length - 1)
    text = text.substring(0, text.length - 1);
  // bullet 13
  if (exponent !== undefined) {
    let exponentText = format.digitString(exponent, 0);
    const pad = pic.minimumExponentSize - exponentText.length;
    if (pad > 0) exponentText = zero.repeat(pad) + exponentText;
    text = text + format.prop('exponent-separator') + (exponent < 0 ? minus : '') + exponentText;
  }
  // bullet 14
  return pic.prefix + text + pic.suffix;
}

export const NUMBER_PICTURE_FUNCTIONS: readonly NativeFunction[] = [
  define('formatNumber', '<n-so?:s>', ([value, picture, options]) =>
    value === undefined ? undefined : formatNumber(value as number, picture as string, options),
  ),
];
