import { CryptoError } from './errors.js';
import {
  decodeBase32,
  encodeBase32,
  generateTotpSecret,
  totpCode,
  totpUri,
  verifyTotp,
  type TotpAlgorithm,
} from './totp.js';

/** RFC 6238 Appendix B: the seeds are ASCII digits repeated to the hash's output length. */
const RFC_6238_SEEDS: Record<TotpAlgorithm, Buffer> = {
  SHA1: Buffer.from('12345678901234567890', 'ascii'),
  SHA256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};

/** RFC 6238 Appendix B: [time in seconds, SHA1, SHA256, SHA512], 8 digits, 30 s step. */
const RFC_6238_VECTORS: Array<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

const RFC_6238_CASES = RFC_6238_VECTORS.flatMap(([seconds, sha1, sha256, sha512]) =>
  (
    [
      ['SHA1', sha1],
      ['SHA256', sha256],
      ['SHA512', sha512],
    ] as const
  ).map(([algorithm, code]) => ({ seconds, algorithm, code })),
);

const STEP_MS = 30_000;

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('totpCode against RFC 6238 Appendix B', () => {
  it.each(RFC_6238_CASES)('$algorithm at T=$seconds s is $code', ({ seconds, algorithm, code }) => {
    const secret = RFC_6238_SEEDS[algorithm];
    expect(totpCode(secret, { time: seconds * 1000, digits: 8, algorithm })).toBe(code);
  });

  it.each(RFC_6238_CASES)('verifyTotp accepts $algorithm at T=$seconds s', (vector) => {
    const secret = RFC_6238_SEEDS[vector.algorithm];
    const options = { time: vector.seconds * 1000, digits: 8, algorithm: vector.algorithm };
    expect(verifyTotp(secret, vector.code, { ...options, window: 0 })).toEqual({
      valid: true,
      step: Math.floor(vector.seconds / 30),
    });
  });

  it('gives 6-digit codes by default, the last six digits of the 8-digit code', () => {
    const time = 1111111109 * 1000;
    expect(totpCode(RFC_6238_SEEDS.SHA1, { time })).toBe('081804');
    expect(totpCode(RFC_6238_SEEDS.SHA1, { time, digits: 7 })).toBe('7081804');
  });

  it('uses the current time by default', () => {
    const secret = generateTotpSecret().secret;
    const before = Date.now();
    const code = totpCode(secret);
    const after = Date.now();
    expect([totpCode(secret, { time: before }), totpCode(secret, { time: after })]).toContain(code);
  });

  it('honours a custom step', () => {
    const secret = RFC_6238_SEEDS.SHA1;
    // With a 60 s step, T=119 s is counter 1, which a 30 s step reaches at T=59 s.
    expect(totpCode(secret, { time: 119_000, step: 60, digits: 8 })).toBe('94287082');
  });
});

describe('verifyTotp window and replay', () => {
  const secret = RFC_6238_SEEDS.SHA1;
  const now = 1_234_567_890_000;
  const currentStep = Math.floor(now / STEP_MS);
  const codeAt = (step: number) => totpCode(secret, { time: step * STEP_MS });

  it('accepts the neighbouring steps within the default window of 1', () => {
    for (const step of [currentStep - 1, currentStep, currentStep + 1]) {
      expect(verifyTotp(secret, codeAt(step), { time: now })).toEqual({ valid: true, step });
    }
  });

  it('refuses steps outside the window', () => {
    expect(verifyTotp(secret, codeAt(currentStep - 2), { time: now })).toEqual({ valid: false });
    expect(verifyTotp(secret, codeAt(currentStep + 2), { time: now })).toEqual({ valid: false });
    expect(verifyTotp(secret, codeAt(currentStep - 1), { time: now, window: 0 }).valid).toBe(false);
    expect(verifyTotp(secret, codeAt(currentStep - 2), { time: now, window: 2 })).toEqual({
      valid: true,
      step: currentStep - 2,
    });
    expect(verifyTotp(secret, codeAt(currentStep - 3), { time: now, window: 2 }).valid).toBe(false);
  });

  it('refuses a replay of the same step and of any earlier step', () => {
    const first = verifyTotp(secret, codeAt(currentStep), { time: now });
    expect(first).toEqual({ valid: true, step: currentStep });
    const lastUsedStep = first.step;
    expect(verifyTotp(secret, codeAt(currentStep), { time: now, lastUsedStep })).toEqual({
      valid: false,
    });
    expect(verifyTotp(secret, codeAt(currentStep - 1), { time: now, lastUsedStep }).valid).toBe(
      false,
    );
    // The next step is still fine.
    expect(verifyTotp(secret, codeAt(currentStep + 1), { time: now, lastUsedStep })).toEqual({
      valid: true,
      step: currentStep + 1,
    });
  });

  it('refuses codes of another secret, algorithm or length', () => {
    const otherSecretCode = totpCode(RFC_6238_SEEDS.SHA512, { time: now });
    expect(verifyTotp(secret, otherSecretCode, { time: now }).valid).toBe(false);
    const sha256 = totpCode(secret, { time: now, algorithm: 'SHA256' });
    expect(verifyTotp(secret, sha256, { time: now }).valid).toBe(false);
    expect(verifyTotp(secret, sha256, { time: now, algorithm: 'SHA256' }).valid).toBe(true);
    const eight = totpCode(secret, { time: now, digits: 8 });
    expect(verifyTotp(secret, eight, { time: now }).valid).toBe(false);
    expect(verifyTotp(secret, eight.slice(2), { time: now }).valid).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['too short', '12345'],
    ['too long', '1234567'],
    ['spaced', '123 45'],
    ['signed', '+12345'],
    ['non-ASCII digits', '١٢٣٤٥٦'],
    ['not a string', 123456],
  ])('treats a %s code as invalid without throwing', (_label, code) => {
    expect(verifyTotp(secret, code as string, { time: now })).toEqual({ valid: false });
  });

  it('starts at step 0 and never looks at negative steps', () => {
    const atZero = totpCode(secret, { time: 0 });
    expect(verifyTotp(secret, atZero, { time: 0 })).toEqual({ valid: true, step: 0 });
  });

  it.each([
    [{ window: 3 }],
    [{ window: -1 }],
    [{ window: 1.5 }],
    [{ lastUsedStep: -1 }],
    [{ lastUsedStep: 2.5 }],
  ])('refuses option %p with INVALID_INPUT', (options) => {
    expect(catchError(() => verifyTotp(secret, '123456', { time: now, ...options }))).toMatchObject(
      { code: 'INVALID_INPUT' },
    );
  });
});

describe('TOTP input validation', () => {
  const secret = RFC_6238_SEEDS.SHA1;

  it.each([
    [{ digits: 5 }],
    [{ digits: 9 }],
    [{ digits: 6.5 }],
    [{ algorithm: 'MD5' as TotpAlgorithm }],
    [{ algorithm: 'sha1' as TotpAlgorithm }],
    [{ algorithm: 'toString' as TotpAlgorithm }],
    [{ step: 0 }],
    [{ step: 301 }],
    [{ time: -1 }],
    [{ time: Number.NaN }],
    [{ time: Number.POSITIVE_INFINITY }],
    [{ time: 1e300 }],
  ])('totpCode refuses %p with INVALID_INPUT', (options) => {
    const error = catchError(() => totpCode(secret, options));
    expect(CryptoError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses a secret shorter than 128 bits or not a Buffer', () => {
    for (const bad of [Buffer.alloc(15), '12345678901234567890', undefined]) {
      expect(catchError(() => totpCode(bad as Buffer, { time: 0 }))).toMatchObject({
        code: 'INVALID_INPUT',
      });
      expect(catchError(() => verifyTotp(bad as Buffer, '123456'))).toMatchObject({
        code: 'INVALID_INPUT',
      });
    }
  });
});

describe('generateTotpSecret', () => {
  it('draws 20 random bytes by default and gives their base32', () => {
    const { secret, base32 } = generateTotpSecret();
    expect(secret).toHaveLength(20);
    expect(base32).toMatch(/^[A-Z2-7]{32}$/);
    expect(decodeBase32(base32).equals(secret)).toBe(true);
    expect(generateTotpSecret().secret.equals(secret)).toBe(false);
  });

  it('honours the requested size', () => {
    expect(generateTotpSecret(16).secret).toHaveLength(16);
    expect(generateTotpSecret(64).secret).toHaveLength(64);
  });

  it.each([0, 10, 15])('refuses %d bytes as a weak token', (bytes) => {
    expect(catchError(() => generateTotpSecret(bytes))).toMatchObject({ code: 'WEAK_TOKEN' });
  });

  it.each([65, 16.5, Number.NaN])('refuses %p bytes as invalid input', (bytes) => {
    expect(catchError(() => generateTotpSecret(bytes))).toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('totpUri', () => {
  const { secret, base32 } = generateTotpSecret();

  it('builds an otpauth:// URI with an encoded label and every parameter', () => {
    const uri = totpUri({ secret, accountName: 'ada@example.com', issuer: 'Weft Cloud & Co' });
    expect(uri).toBe(
      `otpauth://totp/Weft%20Cloud%20%26%20Co:ada%40example.com?secret=${base32}` +
        '&issuer=Weft%20Cloud%20%26%20Co&algorithm=SHA1&digits=6&period=30',
    );
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(parsed.searchParams.get('secret')).toBe(base32);
    expect(parsed.searchParams.get('issuer')).toBe('Weft Cloud & Co');
  });

  it('carries non-default parameters and escapes characters that would split the URI', () => {
    const uri = totpUri({
      secret,
      accountName: 'ünïcode?#/&=',
      issuer: 'Weft',
      algorithm: 'SHA256',
      digits: 8,
      step: 60,
    });
    const parsed = new URL(uri);
    expect(parsed.host).toBe('totp');
    expect(decodeURIComponent(parsed.pathname)).toBe('/Weft:ünïcode?#/&=');
    expect(parsed.hash).toBe('');
    expect(parsed.searchParams.get('algorithm')).toBe('SHA256');
    expect(parsed.searchParams.get('digits')).toBe('8');
    expect(parsed.searchParams.get('period')).toBe('60');
  });

  it.each([
    [{ accountName: '' }],
    [{ issuer: '' }],
    [{ accountName: 'a:b' }],
    [{ issuer: 'Weft:Cloud' }],
    [{ accountName: '\ud800' }],
    [{ digits: 4 }],
  ])('refuses %p with INVALID_INPUT', (override) => {
    const options = { secret, accountName: 'ada', issuer: 'Weft', ...override };
    expect(catchError(() => totpUri(options))).toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('base32 (RFC 4648 §6)', () => {
  // RFC 4648 §10 test vectors, padding removed for encoding.
  const RFC_4648 = [
    ['', ''],
    ['f', 'MY======'],
    ['fo', 'MZXQ===='],
    ['foo', 'MZXW6==='],
    ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI======'],
  ] as const;

  it.each(RFC_4648)('encodes %p as %p without padding', (plain, encoded) => {
    expect(encodeBase32(Buffer.from(plain, 'ascii'))).toBe(encoded.replace(/=+$/, ''));
  });

  it.each(RFC_4648)('decodes %p from %p, padded or not', (plain, encoded) => {
    expect(decodeBase32(encoded).toString('ascii')).toBe(plain);
    expect(decodeBase32(encoded.replace(/=+$/, '')).toString('ascii')).toBe(plain);
  });

  it('round-trips random byte strings of every length up to 40', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = generateTotpSecret(64).secret.subarray(0, length);
      expect(decodeBase32(encodeBase32(bytes)).equals(bytes)).toBe(true);
    }
  });

  it.each([
    ['lower case', 'mzxw6ytb'],
    ['whitespace', 'MZXW 6YTB'],
    ['a character outside the alphabet', 'MZXW6YT1'],
    ['an impossible length', 'MZX'],
    ['too much padding', 'MY======='],
    ['too little padding', 'MY=='],
    ['padding in the middle', 'MY======MY======'],
    ['non-zero trailing bits', 'MZ'],
  ])('refuses %s with INVALID_INPUT', (_label, text) => {
    const error = catchError(() => decodeBase32(text)) as CryptoError;
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(error.message).not.toContain(text);
  });
});
