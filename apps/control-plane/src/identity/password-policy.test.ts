import {
  COMMON_PASSWORD_COUNT,
  NIST_PASSWORD_POLICY,
  checkPassword,
  strictest,
  validatePolicy,
  type PasswordPolicy,
} from './password-policy.js';

const codes = (
  password: string,
  policy: PasswordPolicy = NIST_PASSWORD_POLICY,
  twoFactor = false,
) =>
  checkPassword(password, policy, {
    twoFactor,
    context: ['ada@acme.example', 'Ada', 'Lovelace', 'weft'],
  }).map((p) => p.code);

describe('password policy (NIST SP 800-63B-4 by default)', () => {
  it('ships a list of common passwords', () => {
    expect(COMMON_PASSWORD_COUNT).toBeGreaterThan(15_000);
  });

  it('asks 15 characters without two-factor, 8 with it, and no composition rules', () => {
    expect(codes('correct horse battery')).toEqual([]);
    expect(codes('abcdefghijklmn')).toEqual(['PASSWORD_TOO_SHORT']);
    expect(codes('tr0ub4dor&3', NIST_PASSWORD_POLICY, true)).toEqual([]);
    expect(codes('short1!', NIST_PASSWORD_POLICY, true)).toEqual(['PASSWORD_TOO_SHORT']);
    expect(codes('x'.repeat(257))).toEqual(['PASSWORD_TOO_LONG']);
  });

  it('counts characters, not bytes, and accepts spaces and any script', () => {
    expect(codes('пароль пароль пар')).toEqual([]);
    expect(codes('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑')).toEqual(['PASSWORD_TOO_SHORT']);
  });

  it('refuses common and contextual passwords, whatever their case', () => {
    expect(codes('Password1234', NIST_PASSWORD_POLICY, true)).toEqual(['PASSWORD_COMMON']);
    expect(codes('QWERTYUIOP', NIST_PASSWORD_POLICY, true)).toEqual(['PASSWORD_COMMON']);
    expect(codes('ada@acme.example', NIST_PASSWORD_POLICY, true)).toEqual(['PASSWORD_CONTEXTUAL']);
    expect(codes('lovelacelovelace')).toEqual(['PASSWORD_CONTEXTUAL']);
  });

  it("applies an organization's stricter rules: character classes", () => {
    const strict = {
      ...NIST_PASSWORD_POLICY,
      requiredClasses: ['upper', 'digit', 'symbol'] as const,
    };
    expect(codes('correct horse battery', strict)).toEqual([
      'PASSWORD_MISSING_CLASS',
      'PASSWORD_MISSING_CLASS',
    ]);
    expect(codes('Correct horse battery 9', strict)).toEqual([]);
  });

  it('never lets an administrator go below the NIST floor', () => {
    expect(validatePolicy(NIST_PASSWORD_POLICY)).toEqual([]);
    expect(validatePolicy({ ...NIST_PASSWORD_POLICY, minLength: 8, maxLength: 32 })).toEqual([
      'minLength must be a whole number from 15 to 256',
      'maxLength must be a whole number from 64 to 1024',
    ]);
    expect(validatePolicy({ ...NIST_PASSWORD_POLICY, maxAgeDays: 1 })).toEqual([
      'maxAgeDays must be a whole number from 30 to 3650',
    ]);
  });

  it('combines the policies of several organizations into the strictest', () => {
    const a = { ...NIST_PASSWORD_POLICY, minLength: 20, maxAgeDays: 365 };
    const b = {
      ...NIST_PASSWORD_POLICY,
      requiredClasses: ['digit'] as const,
      historySize: 5,
      maxAgeDays: 90,
    };
    expect(strictest([a, b])).toEqual({
      ...NIST_PASSWORD_POLICY,
      minLength: 20,
      requiredClasses: ['digit'],
      historySize: 5,
      maxAgeDays: 90,
    });
  });
});
