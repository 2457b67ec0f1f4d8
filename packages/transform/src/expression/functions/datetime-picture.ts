// Date/time picture strings (XPath F&O 3.1 §9.8.4, fn:format-dateTime): analysis and
// formatting, ported from the reference. `[Y0001]-[M01]-[D01]`, names (`[MNn]`, `[FNn,3-3]`),
// ordinals (`[D1o]`), 12-hour clock (`[h]:[m01] [P]`), time zones (`[Z]`, `[z]`, `[Z01:01t]`).

import {
  analyseIntegerPicture,
  formatWithPicture,
  type IntegerFormat,
  type LetterCase,
} from './integer-picture.js';
import { boundedCache, fail } from './values.js';

export interface LiteralPart {
  type: 'literal';
  value: string;
}

export interface MarkerPart {
  type: 'marker';
  component: string;
  width?: { min: number | undefined; max: number | undefined };
  presentation1: string;
  presentation2?: string;
  ordinal?: boolean;
  names?: LetterCase;
  integerFormat?: IntegerFormat;
  /** For the year: how many trailing digits to show (-1 for all). */
  n?: number;
}

export type PicturePart = LiteralPart | MarkerPart;

const DEFAULT_PRESENTATION: Readonly<Record<string, string>> = {
  Y: '1',
  M: '1',
  D: '1',
  d: '1',
  F: 'n',
  W: '1',
  w: '1',
  X: '1',
  x: '1',
  H: '1',
  h: '1',
  P: 'n',
  m: '01',
  s: '01',
  f: '1',
  Z: '01:01',
  z: '01:01',
  C: 'n',
  E: 'n',
};

export const DAY_NAMES = [
  '',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
];
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const MILLIS_IN_A_DAY = 1000 * 60 * 60 * 24;

function parseWidth(text: string | undefined): number | undefined {
  return text === undefined || text === '*' ? undefined : Number.parseInt(text, 10);
}

function analyseMarker(marker: string, previous: PicturePart | undefined): MarkerPart {
  const part: MarkerPart = { type: 'marker', component: marker.charAt(0), presentation1: '' };
  const comma = marker.lastIndexOf(',');
  let modifiers: string;
  if (comma !== -1) {
    const widthText = marker.substring(comma + 1);
    const dash = widthText.indexOf('-');
    const min = dash === -1 ? widthText : widthText.substring(0, dash);
    const max = dash === -1 ? undefined : widthText.substring(dash + 1);
    part.width = { min: parseWidth(min), max: parseWidth(max) };
    modifiers = marker.substring(1, comma);
  } else {
    modifiers = marker.substring(1);
  }
  let presentation: string | undefined;
  if (modifiers.length === 1) {
    presentation = modifiers;
  } else if (modifiers.length > 1) {
    const last = modifiers.charAt(modifiers.length - 1);
    if ('atco'.includes(last)) {
      part.presentation2 = last;
      if (last === 'o') part.ordinal = true;
      presentation = modifiers.substring(0, modifiers.length - 1);
    } else {
      presentation = modifiers;
    }
  } else if (Object.hasOwn(DEFAULT_PRESENTATION, part.component)) {
    presentation = DEFAULT_PRESENTATION[part.component];
  }
  if (presentation === undefined) {
    fail('D3132', `Unknown component specifier ${part.component} in date/time picture string`, {
      value: part.component,
    });
  }
  part.presentation1 = presentation;
  if (presentation.charAt(0) === 'n') {
    part.names = 'lower';
  } else if (presentation.charAt(0) === 'N') {
    part.names = presentation.charAt(1) === 'n' ? 'title' : 'upper';
  } else if ('YMDdFWwXxHhmsf'.includes(part.component)) {
    const pattern = part.presentation2 ? `${presentation};${part.presentation2}` : presentation;
    const format = analyseIntegerPicture(pattern);
    if (part.width?.min !== undefined && format.mandatoryDigits < part.width.min) {
      format.mandatoryDigits = part.width.min;
    }
    if (part.component === 'Y') {
      part.n = -1;
      if (part.width?.max !== undefined) {
        part.n = part.width.max;
        format.mandatoryDigits = part.n;
      } else if (format.mandatoryDigits + format.optionalDigits >= 2) {
        part.n = format.mandatoryDigits + format.optionalDigits;
      }
    }
    part.integerFormat = format;
    // An integer right after another integer must have a fixed width to be parsed.
    if (previous?.type === 'marker' && previous.integerFormat) {
      previous.integerFormat.parseWidth = previous.integerFormat.mandatoryDigits;
    }
  }
  if (part.component === 'Z' || part.component === 'z')
    part.integerFormat = analyseIntegerPicture(presentation);
  return part;
}

/** Splits a picture into literals and variable markers (D3135 for an unclosed `[`). */
export function analyseDateTimePicture(picture: string): PicturePart[] {
  const parts: PicturePart[] = [];
  const addLiteral = (start: number, end: number): void => {
    if (end > start)
      parts.push({ type: 'literal', value: picture.substring(start, end).split(']]').join(']') });
  };
  let start = 0;
  let position = 0;
  while (position < picture.length) {
    if (picture.charAt(position) === '[') {
      if (picture.charAt(position + 1) === '[') {
        addLiteral(start, position);
        parts.push({ type: 'literal', value: '[' });
        position += 2;
        start = position;
        continue;
      }
      addLiteral(start, position);
      start = position;
      position = picture.indexOf(']', start);
      if (position === -1)
        fail('D3135', "No matching closing bracket ']' in date/time picture string");
      const marker = picture
        .substring(start + 1, position)
        .split(/\s+/)
        .join('');
      parts.push(analyseMarker(marker, parts[parts.length - 1]));
      start = position + 1;
    }
    position++;
  }
  addLiteral(start, position);
  return parts;
}

/** The first Monday of week 1 (ISO 8601: the week with the first Thursday) of a year or month. */
function startOfFirstWeek(year: number, month: number): number {
  const first = Date.UTC(year, month);
  let day = new Date(first).getUTCDay();
  if (day === 0) day = 7;
  return day > 4 ? first + (8 - day) * MILLIS_IN_A_DAY : first - (day - 1) * MILLIS_IN_A_DAY;
}

function weeksBetween(start: number, end: number): number {
  return (end - start) / (MILLIS_IN_A_DAY * 7) + 1;
}

function nextMonth(year: number, month: number): [number, number] {
  return month === 11 ? [year + 1, 0] : [year, month + 1];
}

function previousMonth(year: number, month: number): [number, number] {
  return month === 0 ? [year - 1, 11] : [year, month - 1];
}

/** The value of one component of a date (in UTC, already shifted to the wanted zone). */
export function dateComponent(date: Date, component: string): number | string | undefined {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const today = Date.UTC(year, month, date.getUTCDate());
  switch (component) {
    case 'Y':
      return year;
    case 'M':
      return month + 1;
    case 'D':
      return date.getUTCDate();
    case 'd':
      return (today - Date.UTC(year, 0)) / MILLIS_IN_A_DAY + 1;
    case 'F':
      return date.getUTCDay() === 0 ? 7 : date.getUTCDay();
    case 'W': {
      let week = weeksBetween(startOfFirstWeek(year, 0), today);
      if (week > 52) {
        if (today >= startOfFirstWeek(year + 1, 0)) week = 1;
      } else if (week < 1) {
        week = weeksBetween(startOfFirstWeek(year - 1, 0), today);
      }
      return Math.floor(week);
    }
    case 'w': {
      let week = weeksBetween(startOfFirstWeek(year, month), today);
      if (week > 4) {
        if (today >= startOfFirstWeek(...nextMonth(year, month))) week = 1;
      } else if (week < 1) {
        week = weeksBetween(startOfFirstWeek(...previousMonth(year, month)), today);
      }
      return Math.floor(week);
    }
    case 'X': {
      const now = date.getTime();
      if (now < startOfFirstWeek(year, 0)) return year - 1;
      return now >= startOfFirstWeek(year + 1, 0) ? year + 1 : year;
    }
    case 'x': {
      const now = date.getTime();
      const following = nextMonth(year, month);
      if (now < startOfFirstWeek(year, month)) return previousMonth(year, month)[1] + 1;
      return now >= startOfFirstWeek(...following) ? following[1] + 1 : month + 1;
    }
    case 'H':
      return date.getUTCHours();
    case 'h':
      return date.getUTCHours() % 12 === 0 ? 12 : date.getUTCHours() % 12;
    case 'P':
      return date.getUTCHours() >= 12 ? 'pm' : 'am';
    case 'm':
      return date.getUTCMinutes();
    case 's':
      return date.getUTCSeconds();
    case 'f':
      return date.getUTCMilliseconds();
    case 'C':
    case 'E':
      return 'ISO';
    default:
      return undefined; // Z and z: the date is already in the wanted zone
  }
}

function applyCase(text: string, names: LetterCase): string {
  if (names === 'upper') return text.toUpperCase();
  return names === 'lower' ? text.toLowerCase() : text;
}

function formatTimezone(part: MarkerPart, offsetHours: number, offsetMinutes: number): string {
  const format = part.integerFormat as IntegerFormat;
  const offset = offsetHours * 100 + offsetMinutes;
  let text: string;
  if (format.regular) {
    text = formatWithPicture(offset, format);
  } else if (format.mandatoryDigits === 1 || format.mandatoryDigits === 2) {
    text = formatWithPicture(offsetHours, format);
    if (offsetMinutes !== 0)
      text += ':' + formatWithPicture(offsetMinutes, analyseIntegerPicture('00'));
  } else if (format.mandatoryDigits === 3 || format.mandatoryDigits === 4) {
    text = formatWithPicture(offset, format);
  } else {
    return fail(
      'D3134',
      'The timezone integer format specifier cannot have more than four digits',
      {
        value: format.mandatoryDigits,
      },
    );
  }
  if (offset >= 0) text = '+' + text;
  if (part.component === 'z') text = 'GMT' + text;
  if (offset === 0 && part.presentation2 === 't') text = 'Z';
  return text;
}

function formatMarker(
  date: Date,
  part: MarkerPart,
  offsetHours: number,
  offsetMinutes: number,
): string {
  let value = dateComponent(date, part.component);
  if ('YMDdFWwXxHhms'.includes(part.component)) {
    if (part.component === 'Y' && part.n !== undefined && part.n !== -1) {
      value = (value as number) % Math.pow(10, part.n);
    }
    if (!part.names) return formatWithPicture(value as number, part.integerFormat as IntegerFormat);
    let name: string;
    if (part.component === 'M' || part.component === 'x')
      name = MONTH_NAMES[(value as number) - 1] as string;
    else if (part.component === 'F') name = DAY_NAMES[value as number] as string;
    else {
      return fail(
        'D3133',
        `The 'name' modifier can only be applied to months and days in the date/time picture string, not ${part.component}`,
        {
          value: part.component,
        },
      );
    }
    name = applyCase(name, part.names);
    const max = part.width?.max;
    return max !== undefined && name.length > max ? name.substring(0, max) : name;
  }
  if (part.component === 'f')
    return formatWithPicture(value as number, part.integerFormat as IntegerFormat);
  if (part.component === 'Z' || part.component === 'z')
    return formatTimezone(part, offsetHours, offsetMinutes);
  if (part.component === 'P' && part.names === 'upper') return String(value).toUpperCase();
  return String(value);
}

function digits(value: number, width: number): string {
  const text = String(value);
  return text.length >= width ? text : '0'.repeat(width - text.length) + text;
}

/**
 * The default picture in UTC, `YYYY-MM-DDTHH:mm:ss.sssZ`, written from the day number without
 * a Date object or the picture machinery (the common `$fromMillis(x)`); undefined outside
 * years 0–9999 or for an invalid time, where the general formatting runs. The civil date from
 * the day count is Howard Hinnant's `civil_from_days`.
 */
function isoTimestamp(millis: number): string | undefined {
  // what `new Date(millis)` keeps of the value: its integer part (TimeClip)
  if (!(Math.abs(millis) <= 8.64e15)) return undefined;
  const time = Math.trunc(millis);
  const days = Math.floor(time / MILLIS_IN_A_DAY);
  const inDay = time - days * MILLIS_IN_A_DAY;
  const shifted = days + 719468;
  const era = Math.floor(shifted / 146097);
  const dayOfEra = shifted - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36524) -
      Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return undefined;
  const hours = Math.floor(inDay / 3600000);
  const minutes = Math.floor(inDay / 60000) % 60;
  const seconds = Math.floor(inDay / 1000) % 60;
  return (
    `${digits(year, 4)}-${digits(month, 2)}-${digits(day, 2)}T${digits(hours, 2)}:` +
    `${digits(minutes, 2)}:${digits(seconds, 2)}.${digits(inDay % 1000, 3)}Z`
  );
}

/** Analysed pictures are never modified after analysis, so they can be shared. */
export const analysedPicture = boundedCache(256, analyseDateTimePicture);

const ISO_PICTURE = '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]';

/** fn:format-dateTime over epoch milliseconds; `timezone` is `±HHMM` (default UTC). */
export function formatDateTime(
  millis: number,
  picture: string | undefined,
  timezone: string | undefined,
): string {
  if (picture === undefined && timezone === undefined) {
    const iso = isoTimestamp(millis);
    if (iso !== undefined) return iso;
  }
  let offsetHours = 0;
  let offsetMinutes = 0;
  if (timezone !== undefined) {
    const offset = Number.parseInt(timezone, 10);
    offsetHours = Math.floor(offset / 100);
    offsetMinutes = offset % 100;
  }
  const parts = analysedPicture(picture ?? ISO_PICTURE);
  const date = new Date(millis + (60 * offsetHours + offsetMinutes) * 60 * 1000);
  return parts
    .map((part) =>
      part.type === 'literal' ? part.value : formatMarker(date, part, offsetHours, offsetMinutes),
    )
    .join('');
}
