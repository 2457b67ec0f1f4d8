// Parsing timestamps with a date/time picture ($toMillis(text, picture)). The reference builds
// a RegExp from the picture; here each picture part is a small scanner that proposes match
// lengths in the same (greedy) order, and a memoised search combines them, so a hostile
// picture cannot make parsing super-linear in the way a backtracking RegExp could.

import {
  analysedPicture,
  dateComponent,
  DAY_NAMES,
  MONTH_NAMES,
  type MarkerPart,
} from './datetime-picture.js';
import {
  NUMBER_WORDS,
  parseWithPicture,
  unsupportedSequence,
  type IntegerFormat,
} from './integer-picture.js';
import { fail } from './values.js';

interface Scanner {
  component?: string;
  /** End positions this part can match from `start`, most preferred first. */
  ends(text: string, start: number): number[];
  parse?(captured: string): number | undefined;
}

function runLength(text: string, start: number, accepts: (char: string) => boolean): number {
  let length = 0;
  while (start + length < text.length && accepts(text.charAt(start + length))) length++;
  return length;
}

const isDigit = (char: string): boolean => char >= '0' && char <= '9';
const isLetter = (char: string): boolean => /^[a-zA-Z]$/.test(char);

/** Ends for a greedy `[class]+`, longest first. */
function greedy(text: string, start: number, accepts: (char: string) => boolean): number[] {
  const ends: number[] = [];
  for (let length = runLength(text, start, accepts); length >= 1; length--)
    ends.push(start + length);
  return ends;
}

function startsWithIgnoringCase(text: string, start: number, expected: string): boolean {
  return text.substring(start, start + expected.length).toLowerCase() === expected.toLowerCase();
}

const WORD_TOKENS = [...NUMBER_WORDS, '-', ',', ' '];

/** Ends for `(?:word|…|and|[-, ])+`: every length the text can be cut into such tokens. */
function wordEnds(text: string, start: number): number[] {
  const lower = text.toLowerCase();
  const reachable = new Set<number>();
  const queue = [start];
  while (queue.length > 0) {
    const position = queue.pop() as number;
    for (const token of WORD_TOKENS) {
      const end = position + token.length;
      if (!reachable.has(end) && lower.startsWith(token, position)) {
        reachable.add(end);
        queue.push(end);
      }
    }
  }
  return [...reachable].sort((a, b) => b - a);
}

function integerScanner(format: IntegerFormat): Scanner {
  switch (format.primary) {
    case 'letters':
      return { ends: (text, start) => greedy(text, start, isLetter) };
    case 'roman':
      return {
        ends: (text, start) =>
          greedy(text, start, (char) => 'mdclxvi'.includes(char.toLowerCase())),
      };
    case 'words':
      return { ends: wordEnds };
    case 'decimal':
      return {
        ends: (text, start) => {
          const run = runLength(text, start, isDigit);
          const lengths: number[] = [];
          if (format.parseWidth) {
            if (run >= format.parseWidth) lengths.push(format.parseWidth);
          } else {
            for (let length = run; length >= 1; length--) lengths.push(length);
          }
          if (!format.ordinal) return lengths.map((length) => start + length);
          return lengths
            .filter((length) =>
              ['th', 'st', 'nd', 'rd'].some((suffix) =>
                startsWithIgnoringCase(text, start + length, suffix),
              ),
            )
            .map((length) => start + length + 2);
        },
      };
    default:
      return unsupportedSequence(format);
  }
}

function timezoneScanner(part: MarkerPart): Scanner {
  const separator = part.integerFormat?.regular?.character;
  const prefix = part.component === 'z' ? 'GMT' : '';
  return {
    ends: (text, start) => {
      if (!startsWithIgnoringCase(text, start, prefix)) return [];
      const sign = start + prefix.length;
      if (text.charAt(sign) !== '+' && text.charAt(sign) !== '-') return [];
      const hours = greedy(text, sign + 1, isDigit);
      if (separator === undefined) return hours;
      return hours.flatMap((end) =>
        startsWithIgnoringCase(text, end, separator)
          ? greedy(text, end + separator.length, isDigit)
          : [],
      );
    },
    parse: (captured) => {
      const value = prefix ? captured.substring(3) : captured;
      let hours: number;
      let minutes = 0;
      if (separator !== undefined) {
        hours = Number.parseInt(value.substring(0, value.indexOf(separator)), 10);
        minutes = Number.parseInt(value.substring(value.indexOf(separator) + 1), 10);
      } else if (value.length - 1 <= 2) {
        hours = Number.parseInt(value, 10);
      } else {
        hours = Number.parseInt(value.substring(0, 3), 10);
        minutes = Number.parseInt(value.substring(3), 10);
      }
      return hours * 60 + minutes;
    },
  };
}

function nameScanner(part: MarkerPart): Scanner {
  const lookup = new Map<string, number>();
  const max = part.width?.max;
  const add = (name: string, value: number): void => {
    lookup.set(max ? name.substring(0, max) : name, value);
  };
  if (part.component === 'M' || part.component === 'x') {
    MONTH_NAMES.forEach((name, index) => add(name, index + 1));
  } else if (part.component === 'F') {
    DAY_NAMES.forEach((name, index) => {
      if (index > 0) add(name, index);
    });
  } else if (part.component === 'P') {
    for (const [name, value] of [
      ['am', 0],
      ['AM', 0],
      ['pm', 1],
      ['PM', 1],
    ] as const)
      lookup.set(name, value);
  } else {
    fail(
      'D3133',
      `The 'name' modifier can only be applied to months and days in the date/time picture string, not ${part.component}`,
      {
        value: part.component,
      },
    );
  }
  return {
    ends: (text, start) => greedy(text, start, isLetter),
    parse: (captured) => lookup.get(captured),
  };
}

function markerScanner(part: MarkerPart): Scanner {
  if (part.component === 'Z' || part.component === 'z')
    return { component: part.component, ...timezoneScanner(part) };
  if (part.component === 'f') {
    return {
      component: 'f',
      ends: (text, start) => greedy(text, start, isDigit),
      parse: (captured) => Number.parseFloat('0.' + captured.substring(0, 3)) * 1000,
    };
  }
  if (part.integerFormat) {
    const format = part.integerFormat;
    return {
      component: part.component,
      ...integerScanner(format),
      parse: (captured) => parseWithPicture(captured, format),
    };
  }
  return { component: part.component, ...nameScanner(part) };
}

/** Matches the whole text against the scanners; returns the captured text of each part. */
function scan(scanners: readonly Scanner[], text: string): string[] | undefined {
  const failed = new Set<number>();
  const captured: string[] = [];
  const visit = (index: number, position: number): boolean => {
    if (index === scanners.length) return position === text.length;
    const key = index * (text.length + 1) + position;
    if (failed.has(key)) return false;
    for (const end of (scanners[index] as Scanner).ends(text, position)) {
      captured[index] = text.substring(position, end);
      if (visit(index + 1, end)) return true;
    }
    failed.add(key);
    return false;
  };
  return visit(0, 0) ? captured : undefined;
}

// Which combinations of components make a date and a time (bit masks as in the reference):
//          YXMxWwdD                 PHhmsf
const DATE_YMD = 0b10100001;
const DATE_YD = 0b10000010;
const DATE_XXWF = 0b01010100;
const DATE_XWF = 0b01001000;
const TIME_24 = 0b010111;
const TIME_12 = 0b101111;

function maskOf(components: Map<string, number | undefined>, letters: string): number {
  // The reference tests each component for truthiness, so a parsed 0 counts as absent here.
  return [...letters].reduce((mask, letter) => (mask << 1) + (components.get(letter) ? 1 : 0), 0);
}

function isType(type: number, mask: number): boolean {
  return !(~type & mask) && !!(type & mask);
}

/** Parses `timestamp` with a date/time picture; `now` fills the unspecified leading parts. */
export function parseDateTime(timestamp: string, picture: string, now: number): number | undefined {
  const parts = analysedPicture(picture);
  const scanners = parts.map((part): Scanner => {
    if (part.type === 'marker') return markerScanner(part);
    const literal = part.value;
    return {
      ends: (text, start) =>
        startsWithIgnoringCase(text, start, literal) ? [start + literal.length] : [],
    };
  });
  const captured = scan(scanners, timestamp);
  if (!captured) return undefined;
  const components = new Map<string, number | undefined>();
  scanners.forEach((scanner, index) => {
    if (scanner.parse && scanner.component)
      components.set(scanner.component, scanner.parse(captured[index] ?? ''));
  });
  if (components.size === 0) return undefined;

  const dateMask = maskOf(components, 'YXMxWwdD');
  const dateA = isType(DATE_YMD, dateMask);
  const dateB = !dateA && isType(DATE_YD, dateMask);
  const dateC = isType(DATE_XXWF, dateMask);
  const dateD = !dateC && isType(DATE_XWF, dateMask);
  const timeMask = maskOf(components, 'PHhmsf');
  const timeA = isType(TIME_24, timeMask);
  const timeB = !timeA && isType(TIME_12, timeMask);
  const dateLetters = dateB ? 'YD' : dateC ? 'XxwF' : dateD ? 'XWF' : 'YMD';
  const timeLetters = timeB ? 'Phmsf' : 'Hmsf';

  // Unspecified parts before the first specified one come from `now`; after it, they are zero
  // (one for month and day); a gap between specified parts is an error.
  const current = new Date(now);
  let startSpecified = false;
  let endSpecified = false;
  for (const letter of dateLetters + timeLetters) {
    if (components.get(letter) === undefined) {
      if (startSpecified) {
        components.set(letter, 'MDd'.includes(letter) ? 1 : 0);
        endSpecified = true;
      } else {
        components.set(letter, dateComponent(current, letter) as number);
      }
    } else {
      startSpecified = true;
      if (endSpecified)
        fail(
          'D3136',
          'The date/time picture string is missing specifiers required to parse the timestamp',
        );
    }
  }
  const get = (letter: string): number => components.get(letter) as number;
  let month = get('M') > 0 ? get('M') - 1 : 0;
  let day = get('D');
  if (dateB) {
    const derived = new Date(Date.UTC(get('Y'), 0) + (get('d') - 1) * 1000 * 60 * 60 * 24);
    month = derived.getUTCMonth();
    day = derived.getUTCDate();
  }
  if (dateC || dateD) {
    fail(
      'D3136',
      'The date/time picture string is missing specifiers required to parse the timestamp',
    );
  }
  let hour = get('H');
  if (timeB) hour = (get('h') === 12 ? 0 : get('h')) + (get('P') === 1 ? 12 : 0);
  let millis = Date.UTC(get('Y'), month, day, hour, get('m'), get('s'), get('f'));
  const zone = components.get('Z') || components.get('z');
  if (zone) millis -= zone * 60 * 1000;
  return millis;
}
