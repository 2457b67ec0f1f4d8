import { readFileSync } from 'node:fs';

/**
 * An organization's password rules. The defaults are NIST SP 800-63B-4's: length, and a check
 * against commonly used passwords — no composition rules, no forced expiry. Administrators whose
 * own policy demands more may add character classes, a maximum age and a history.
 */
export interface PasswordPolicy {
  /** Minimum length for members without two-factor authentication (NIST: 15). */
  minLength: number;
  /** Minimum length for members with two-factor authentication (NIST: 8). */
  minLengthWithTwoFactor: number;
  /** Maximum accepted length (NIST: at least 64). */
  maxLength: number;
  /** Character classes that must each appear: lower, upper, digit, symbol. Default none. */
  requiredClasses: readonly CharacterClass[];
  /** Days after which a password must be changed; null = never (NIST's default). */
  maxAgeDays: number | null;
  /** How many previous passwords may not be reused; 0 = no history. */
  historySize: number;
}

export type CharacterClass = 'lower' | 'upper' | 'digit' | 'symbol';

export const NIST_PASSWORD_POLICY: PasswordPolicy = Object.freeze({
  minLength: 15,
  minLengthWithTwoFactor: 8,
  maxLength: 256,
  requiredClasses: Object.freeze([]) as readonly CharacterClass[],
  maxAgeDays: null,
  historySize: 0,
});

/** Why a password is refused; `message` is shown to the person choosing it. */
export interface PasswordProblem {
  code:
    | 'PASSWORD_TOO_SHORT'
    | 'PASSWORD_TOO_LONG'
    | 'PASSWORD_COMMON'
    | 'PASSWORD_CONTEXTUAL'
    | 'PASSWORD_MISSING_CLASS';
  message: string;
}

const CLASS_TESTS: Record<CharacterClass, { test: RegExp; name: string }> = {
  lower: { test: /\p{Ll}/u, name: 'a lower-case letter' },
  upper: { test: /\p{Lu}/u, name: 'an upper-case letter' },
  digit: { test: /\p{Nd}/u, name: 'a digit' },
  symbol: { test: /[^\p{L}\p{Nd}]/u, name: 'a symbol' },
};

// 17,950 passwords of 8+ characters from the zxcvbn-ts common list (MIT; see
// common-passwords.LICENSE), lower-cased. Read once, at start-up: a missing file stops boot.
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0),
);

/** How many passwords the common list holds (for the docs and a sanity test). */
export const COMMON_PASSWORD_COUNT = COMMON_PASSWORDS.size;

/**
 * Checks a candidate password against a policy. Length counts Unicode code points (NIST: every
 * printable character and space is allowed; the string is NFKC-normalised first, as the
 * hash will see it). `context` holds words that must not be the password (email, names, the
 * product), compared case-insensitively. Returns every problem, not just the first.
 */
export function checkPassword(
  password: string,
  policy: PasswordPolicy,
  options: { twoFactor: boolean; context?: readonly string[] },
): PasswordProblem[] {
  const normalised = password.normalize('NFKC');
  const length = [...normalised].length;
  const problems: PasswordProblem[] = [];
  const min = options.twoFactor ? policy.minLengthWithTwoFactor : policy.minLength;
  if (length < min) {
    problems.push({
      code: 'PASSWORD_TOO_SHORT',
      message: `use at least ${min} characters${options.twoFactor ? '' : ' (8 once two-factor authentication is on)'}`,
    });
  }
  if (length > policy.maxLength) {
    problems.push({
      code: 'PASSWORD_TOO_LONG',
      message: `use at most ${policy.maxLength} characters`,
    });
  }
  const lowered = normalised.toLowerCase();
  if (COMMON_PASSWORDS.has(lowered)) {
    problems.push({
      code: 'PASSWORD_COMMON',
      message: 'this password is on a list of commonly used passwords; choose another',
    });
  }
  const words = (options.context ?? [])
    .flatMap((word) => [word, ...word.split(/[@.\s_-]+/)])
    .map((word) => word.toLowerCase())
    .filter((word) => word.length >= 4);
  if (words.some((word) => lowered === word || lowered === `${word}${word}`)) {
    problems.push({
      code: 'PASSWORD_CONTEXTUAL',
      message: 'the password must not be your email address, name or the service name',
    });
  }
  for (const required of policy.requiredClasses) {
    if (!CLASS_TESTS[required].test.test(normalised)) {
      problems.push({
        code: 'PASSWORD_MISSING_CLASS',
        message: `your organization's policy asks for ${CLASS_TESTS[required].name}`,
      });
    }
  }
  return problems;
}

/** Checks an administrator's policy change: NIST's floor cannot be lowered. */
export function validatePolicy(policy: PasswordPolicy): string[] {
  const errors: string[] = [];
  const integer = (value: number, name: string, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      errors.push(`${name} must be a whole number from ${min} to ${max}`);
    }
  };
  integer(policy.minLength, 'minLength', 15, 256);
  integer(policy.minLengthWithTwoFactor, 'minLengthWithTwoFactor', 8, 256);
  integer(policy.maxLength, 'maxLength', 64, 1024);
  integer(policy.historySize, 'historySize', 0, 24);
  if (policy.maxAgeDays !== null) integer(policy.maxAgeDays, 'maxAgeDays', 30, 3650);
  if (policy.minLength > policy.maxLength) errors.push('minLength must not exceed maxLength');
  for (const required of policy.requiredClasses) {
    if (!Object.hasOwn(CLASS_TESTS, required)) {
      errors.push('requiredClasses may hold lower, upper, digit and symbol');
      break;
    }
  }
  return errors;
}

/** The strictest of several policies (a person in two organizations meets both). */
export function strictest(policies: readonly PasswordPolicy[]): PasswordPolicy {
  return policies.reduce(
    (a, b) => ({
      minLength: Math.max(a.minLength, b.minLength),
      minLengthWithTwoFactor: Math.max(a.minLengthWithTwoFactor, b.minLengthWithTwoFactor),
      maxLength: Math.min(a.maxLength, b.maxLength),
      requiredClasses: [...new Set([...a.requiredClasses, ...b.requiredClasses])],
      maxAgeDays:
        a.maxAgeDays === null
          ? b.maxAgeDays
          : b.maxAgeDays === null
            ? a.maxAgeDays
            : Math.min(a.maxAgeDays, b.maxAgeDays),
      historySize: Math.max(a.historySize, b.historySize),
    }),
    NIST_PASSWORD_POLICY,
  );
}
