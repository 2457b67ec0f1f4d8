// Pattern functions: $contains, $split, $match, $replace. A pattern is a string, a regex value
// (run only through the core's bounded RegexRunner) or a JSONata "matcher" function that
// returns {match, start, end, groups, next} objects, as in the reference.

import {
  createSequence,
  isRegexValue,
  type CallContext,
  type NativeFunction,
  type RegexValue,
} from '../contract.js';
import { define } from './define.js';
import { createRecord, fail, isCallable, ownValue } from './values.js';

interface MatchStep {
  readonly match: string;
  readonly start: number;
  readonly end: number;
  readonly groups: readonly unknown[];
  next(): MatchStep | undefined;
}

function asRegex(pattern: unknown): RegexValue | undefined {
  if (isRegexValue(pattern)) return pattern;
  const source = ownValue(pattern, 'source');
  const flags = ownValue(pattern, 'flags');
  return typeof source === 'string' && typeof flags === 'string' ? { source, flags } : undefined;
}

/**
 * Steps through the matches of a regex the way the reference's matcher closure does: it stops
 * once a match reaches the end of the text, and a zero-length match that would be followed by
 * another attempt is an error (D1004), since it could never progress.
 */
function regexSteps(
  regex: RegexValue,
  text: string,
  context: CallContext,
  limit?: number,
): MatchStep | undefined {
  const matches = context.regex.matchAll(regex, text, limit);
  const step = (index: number): MatchStep | undefined => {
    const found = matches[index];
    if (!found) return undefined;
    const end = found.index + found.match.length;
    return {
      match: found.match,
      start: found.index,
      end,
      groups: found.groups,
      next: () => {
        if (end >= text.length) return undefined;
        const following = matches[index + 1];
        if (found.match === '' || following?.match === '') {
          fail('D1004', 'Regular expression matches zero length string', { value: regex.source });
        }
        return step(index + 1);
      },
    };
  };
  return step(0);
}

function matcherStep(
  matcher: unknown,
  args: unknown[],
  context: CallContext,
  name: string,
): MatchStep | undefined {
  const result = context.apply(matcher, args);
  if (
    result === undefined ||
    result === null ||
    result === false ||
    result === 0 ||
    result === ''
  ) {
    return undefined;
  }
  const start = ownValue(result, 'start');
  const end = ownValue(result, 'end');
  const groups = ownValue(result, 'groups');
  const next = ownValue(result, 'next');
  if (!(typeof start === 'number' || Array.isArray(groups) || isCallable(next))) {
    fail(
      'T1010',
      `The matcher function argument passed to function ${name} does not return the correct object structure`,
      {
        token: name,
      },
    );
  }
  const match = ownValue(result, 'match');
  return {
    match: typeof match === 'string' ? match : '',
    start: start as number,
    end: end as number,
    groups: Array.isArray(groups) ? groups : [],
    next: () => (next === undefined ? undefined : matcherStep(next, [], context, name)),
  };
}

/** The first match of `pattern` (a regex or matcher function) in `text`. */
function firstMatch(
  pattern: unknown,
  text: string,
  context: CallContext,
  name: string,
  limit?: number,
): MatchStep | undefined {
  const regex = asRegex(pattern);
  return regex
    ? regexSteps(regex, text, context, limit)
    : matcherStep(pattern, [text], context, name);
}

/** One more match than the limit is fetched: the reference steps past the last one it keeps. */
function fetchLimit(limit: unknown): number | undefined {
  return typeof limit === 'number' ? Math.max(0, Math.ceil(limit)) + 1 : undefined;
}

function withinLimit(count: number, limit: unknown): boolean {
  return limit === undefined || count < (limit as number);
}

/** Expands `$0`, `$1`…`$n` and `$$` in a replacement string, as the reference does. */
function expandReplacement(replacement: string, step: MatchStep): string {
  let substitute = '';
  let position = 0;
  let dollar = replacement.indexOf('$', position);
  while (dollar !== -1 && position < replacement.length) {
    substitute += replacement.substring(position, dollar);
    position = dollar + 1;
    const following = replacement.charAt(position);
    if (following === '$') {
      substitute += '$';
      position++;
    } else if (following === '0') {
      substitute += step.match;
      position++;
    } else {
      const groupCount = step.groups.length;
      const maxDigits = groupCount === 0 ? 1 : Math.floor(Math.log10(groupCount)) + 1;
      let group = Number.parseInt(replacement.substring(position, position + maxDigits), 10);
      if (maxDigits > 1 && group > groupCount) {
        group = Number.parseInt(replacement.substring(position, position + maxDigits - 1), 10);
      }
      if (Number.isNaN(group)) {
        substitute += '$';
      } else {
        const submatch = groupCount > 0 ? step.groups[group - 1] : undefined;
        if (submatch !== undefined) substitute += String(submatch);
        position += group.toString().length;
      }
    }
    dollar = replacement.indexOf('$', position);
  }
  return substitute + replacement.substring(position);
}

function matchObject(step: MatchStep): Record<string, unknown> {
  const record = createRecord();
  record['match'] = step.match;
  record['index'] = step.start;
  record['start'] = step.start;
  record['end'] = step.end;
  record['groups'] = [...step.groups];
  return record;
}

function replace(
  text: string,
  pattern: unknown,
  replacement: unknown,
  limit: unknown,
  context: CallContext,
): string {
  if (pattern === '')
    fail('D3010', 'Second argument of replace function cannot be an empty string', { index: 2 });
  if (typeof limit === 'number' && limit < 0) {
    fail('D3011', 'Fourth argument of replace function must evaluate to a positive number', {
      value: limit,
      index: 4,
    });
  }
  if (limit !== undefined && !((limit as number) > 0)) return text;
  let result = '';
  let position = 0;
  let count = 0;
  if (typeof pattern === 'string') {
    let index = text.indexOf(pattern, position);
    while (index !== -1 && withinLimit(count, limit)) {
      result += text.substring(position, index) + String(replacement);
      context.charge(index - position + String(replacement).length);
      position = index + pattern.length;
      count++;
      index = text.indexOf(pattern, position);
    }
    return result + text.substring(position);
  }
  let step = firstMatch(pattern, text, context, 'replace', fetchLimit(limit));
  if (!step) return text;
  while (step && withinLimit(count, limit)) {
    const replaced =
      typeof replacement === 'string'
        ? expandReplacement(replacement, step)
        : context.apply(replacement, [matchObject(step)]);
    if (typeof replaced !== 'string') {
      fail('D3012', 'Attempted to replace a matched string with a non-string value', {
        value: replaced,
      });
    }
    result += text.substring(position, step.start) + replaced;
    context.charge(step.start - position + replaced.length);
    position = step.start + step.match.length;
    count++;
    step = step.next();
  }
  return result + text.substring(position);
}

function split(text: string, separator: unknown, limit: unknown, context: CallContext): string[] {
  if (typeof limit === 'number' && limit < 0) {
    fail('D3020', 'Third argument of split function must evaluate to a positive number', {
      value: limit,
      index: 3,
    });
  }
  if (limit !== undefined && !((limit as number) > 0)) return [];
  if (typeof separator === 'string') {
    const parts = text.split(separator, limit as number | undefined);
    context.charge(parts.length);
    return parts;
  }
  const result: string[] = [];
  let step = firstMatch(separator, text, context, 'split', fetchLimit(limit));
  if (!step) return [text];
  let start = 0;
  let count = 0;
  while (step && withinLimit(count, limit)) {
    result.push(text.substring(start, step.start));
    start = step.end;
    step = step.next();
    count++;
  }
  if (withinLimit(count, limit)) result.push(text.substring(start));
  context.charge(result.length);
  return result;
}

function match(text: string, pattern: unknown, limit: unknown, context: CallContext): unknown[] {
  if (typeof limit === 'number' && limit < 0) {
    fail('D3040', 'Third argument of match function must evaluate to a positive number', {
      value: limit,
      index: 3,
    });
  }
  const result = createSequence<unknown>();
  if (limit !== undefined && !((limit as number) > 0)) return result;
  let step = firstMatch(pattern, text, context, 'match', fetchLimit(limit));
  while (step && withinLimit(result.length, limit)) {
    const record = createRecord();
    record['match'] = step.match;
    record['index'] = step.start;
    record['groups'] = [...step.groups];
    result.push(record);
    step = step.next();
  }
  context.charge(result.length);
  return result;
}

export const MATCHING_FUNCTIONS: readonly NativeFunction[] = [
  define('contains', '<s-(sf):b>', ([text, token], context) => {
    if (text === undefined || token === undefined) return undefined;
    if (typeof token === 'string') return (text as string).includes(token);
    return firstMatch(token, text as string, context, 'contains', 1) !== undefined;
  }),
  define('split', '<s-(sf)n?:a<s>>', ([text, separator, limit], context) =>
    text === undefined ? undefined : split(text as string, separator, limit, context),
  ),
  define('match', '<s-f<s:o>n?:a<o>>', ([text, pattern, limit], context) =>
    text === undefined ? undefined : match(text as string, pattern, limit, context),
  ),
  define('replace', '<s-(sf)(sf)n?:s>', ([text, pattern, replacement, limit], context) =>
    text === undefined ? undefined : replace(text as string, pattern, replacement, limit, context),
  ),
];
