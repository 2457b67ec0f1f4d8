// Numeric and aggregation functions: $number, $abs, $floor, $ceil, $round, $power, $sqrt,
// $random, $formatBase, $sum, $max, $min, $average, $count.

import type { NativeFunction } from '../contract.js';
import { define } from './define.js';
import { fail, quote } from './values.js';

const DECIMAL_NUMBER = /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/;
// The reference's pattern, precedence quirk included: only the hex branch is anchored at the start.
const PREFIXED_NUMBER = /^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$/;

/** `$number`: casts a string, number or boolean to a number (D3030 otherwise). */
export function castNumber(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (
      DECIMAL_NUMBER.test(value) &&
      Number.isFinite(Number.parseFloat(value)) &&
      Number.isFinite(Number(value))
    ) {
      return Number.parseFloat(value);
    }
    if (PREFIXED_NUMBER.test(value)) return Number(value);
  }
  if (value === true) return 1;
  if (value === false) return 0;
  return fail('D3030', `Unable to cast value to a number: ${quote(value)}`, { value, index: 1 });
}

/**
 * Rounds half to even at `precision` decimal places. The shift is done on the decimal string
 * (not by multiplying) so that binary floating point does not move the half-way point.
 */
export function roundHalfEven(value: number, precision?: number): number {
  const quick = roundHalfEvenQuickly(value, precision);
  if (quick !== undefined) return quick;
  let shifted = value;
  if (precision) {
    const [mantissa, exponent] = value.toString().split('e');
    shifted = Number(`${mantissa}e${exponent ? Number(exponent) + precision : precision}`);
  }
  let result = Math.round(shifted);
  if (Math.abs(result - shifted) === 0.5 && Math.abs(result % 2) === 1) result -= 1;
  if (precision) {
    const [mantissa, exponent] = result.toString().split('e');
    result = Number(`${mantissa}e${exponent ? Number(exponent) - precision : -precision}`);
  }
  return Object.is(result, -0) ? 0 : result;
}

const POWERS_OF_TEN = [
  1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/**
 * The common case of roundHalfEven without string conversions: the same result, or undefined
 * when it cannot be sure. `value * 10^p` and the decimal-string shift differ by a few units in
 * the last place at most, so when the product is not within a tolerance of a half-way point,
 * both round to the same integer `r` (and neither is a tie). Shifting back, `r / 10^p` and
 * the string shift `r e-p` are both the correctly rounded value of the exact quotient (r and
 * 10^p are exact doubles), so they are equal.
 */
function roundHalfEvenQuickly(value: number, precision: number | undefined): number | undefined {
  if (precision === undefined || precision === 0) return undefined;
  if (!Number.isInteger(precision) || precision < 1 || precision > 15) return undefined;
  const scale = POWERS_OF_TEN[precision] as number;
  const shifted = value * scale;
  const magnitude = Math.abs(shifted);
  if (!(magnitude < 2 ** 50)) return undefined;
  const rounded = Math.round(shifted);
  const tolerance = Math.max(magnitude, 1) * 1e-14;
  if (Math.abs(Math.abs(rounded - shifted) - 0.5) <= tolerance) return undefined;
  const result = rounded / scale;
  return Object.is(result, -0) ? 0 : result;
}

function onNumber(name: string, operation: (value: number) => number): NativeFunction {
  return define(name, '<n-:n>', ([value]) =>
    value === undefined ? undefined : operation(value as number),
  );
}

function numbers(values: unknown): number[] | undefined {
  return values === undefined ? undefined : (values as number[]);
}

export const NUMBER_FUNCTIONS: readonly NativeFunction[] = [
  define('number', '<(nsb)-:n>', ([value]) => castNumber(value)),
  onNumber('abs', Math.abs),
  onNumber('floor', Math.floor),
  onNumber('ceil', Math.ceil),
  define('round', '<n-n?:n>', ([value, precision]) =>
    value === undefined
      ? undefined
      : roundHalfEven(value as number, precision as number | undefined),
  ),
  onNumber('sqrt', (value) => {
    if (value < 0)
      fail('D3060', `The sqrt function cannot be applied to a negative number: ${value}`, {
        value,
        index: 1,
      });
    return Math.sqrt(value);
  }),
  define('power', '<n-n:n>', ([base, exponent]) => {
    if (base === undefined) return undefined;
    const result = Math.pow(base as number, exponent as number);
    if (!Number.isFinite(result)) {
      fail(
        'D3061',
        `The power function has resulted in a value that cannot be represented as a JSON number: base=${String(base)}, exponent=${String(exponent)}`,
        { value: base, index: 1 },
      );
    }
    return result;
  }),
  define('random', '<:n>', () => Math.random()),
  define('formatBase', '<n-n?:s>', ([value, radix]) => {
    if (value === undefined) return undefined;
    const base = radix === undefined ? 10 : roundHalfEven(radix as number);
    if (base < 2 || base > 36) {
      fail(
        'D3100',
        `The radix of the formatBase function must be between 2 and 36.  It was given ${base}`,
        {
          value: base,
        },
      );
    }
    return roundHalfEven(value as number).toString(base);
  }),
  define('sum', '<a<n>:n>', ([values]) =>
    numbers(values)?.reduce((total, value) => total + value, 0),
  ),
  define('count', '<a:n>', ([values]) => (values === undefined ? 0 : (values as unknown[]).length)),
  define('max', '<a<n>:n>', ([values]) => {
    const list = numbers(values);
    return list && list.length > 0 ? list.reduce((a, b) => Math.max(a, b)) : undefined;
  }),
  define('min', '<a<n>:n>', ([values]) => {
    const list = numbers(values);
    return list && list.length > 0 ? list.reduce((a, b) => Math.min(a, b)) : undefined;
  }),
  define('average', '<a<n>:n>', ([values]) => {
    const list = numbers(values);
    return list && list.length > 0
      ? list.reduce((total, value) => total + value, 0) / list.length
      : undefined;
  }),
];
