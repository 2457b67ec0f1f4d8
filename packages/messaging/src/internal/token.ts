import { describeType, quoteCharacter } from './describe.js';

export const MAX_SUBJECT_TOKEN_LENGTH = 64;
const TOKEN_CHARACTER = /[A-Za-z0-9_-]/;

/**
 * The id rule behind `assertSubjectToken`: 1 to 64 characters of `A-Z a-z 0-9 _ -`.
 * Returns what is wrong, or undefined when the value is a valid token.
 */
export function subjectTokenProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${describeType(value)}`;
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_SUBJECT_TOKEN_LENGTH) {
    return `is ${value.length} characters long; the limit is ${MAX_SUBJECT_TOKEN_LENGTH}`;
  }
  for (let index = 0; index < value.length; index++) {
    const character = value[index] as string;
    if (!TOKEN_CHARACTER.test(character)) {
      return `contains ${quoteCharacter(character)} at position ${index}; only A-Z a-z 0-9 _ - are allowed`;
    }
  }
  return undefined;
}
