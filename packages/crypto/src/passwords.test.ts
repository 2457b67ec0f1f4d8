import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { CryptoError, PASSWORD_HASH_ITERATIONS, hashPassword, verifyPassword } from './index.js';

const FORMAT = /^pbkdf2-sha256\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** Builds a stored hash independently of the code under test, at a cheap legacy cost. */
function legacyHash(password: string, iterations: number): string {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return `pbkdf2-sha256$${iterations}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

async function rejection(promise: Promise<unknown>): Promise<CryptoError> {
  try {
    await promise;
  } catch (error) {
    if (CryptoError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('hashPassword and verifyPassword at the real cost', () => {
  // Each real-cost PBKDF2 takes a few hundred milliseconds: these are the only ones.
  const password = `correct horse ${randomBytes(4).toString('hex')}`;
  let first: string;
  let second: string;
  let hashedBeforeTimer: boolean;

  beforeAll(async () => {
    const timer = new Promise<'timer'>((resolve) => setTimeout(() => resolve('timer'), 0));
    const hashes = Promise.all([hashPassword(password), hashPassword(password)]);
    // A synchronous PBKDF2 would finish before the zero-delay timer could fire.
    hashedBeforeTimer = (await Promise.race([timer, hashes])) !== 'timer';
    [first, second] = await hashes;
  });

  it('does not block the event loop', () => {
    expect(hashedBeforeTimer).toBe(false);
  });

  it('produces a self-describing PBKDF2-SHA-256 string with a 16-byte salt and 32-byte hash', () => {
    const match = FORMAT.exec(first);
    expect(match).not.toBeNull();
    const [, iterations, salt, hash] = match as RegExpExecArray;
    expect(Number(iterations)).toBe(PASSWORD_HASH_ITERATIONS);
    expect(PASSWORD_HASH_ITERATIONS).toBe(600_000);
    expect(Buffer.from(salt as string, 'base64url')).toHaveLength(16);
    expect(Buffer.from(hash as string, 'base64url')).toHaveLength(32);
    expect(first).not.toContain(password);
  });

  it('salts every hash', () => {
    expect(second).not.toBe(first);
  });

  it('accepts the right password, rejects a wrong one, and flags a weaker-than-target hash', async () => {
    const [right, wrong, belowTarget] = await Promise.all([
      verifyPassword(password, first),
      verifyPassword(`${password}!`, second),
      verifyPassword(password, second, { iterations: 700_000 }),
    ]);
    expect(right).toEqual({ valid: true, needsRehash: false });
    expect(wrong).toEqual({ valid: false, needsRehash: false });
    expect(belowTarget).toEqual({ valid: true, needsRehash: true });
  });
});

describe('verifyPassword against hashes made elsewhere', () => {
  it('verifies a legacy low-iteration hash and asks for a rehash', async () => {
    const stored = legacyHash('legacy password', 1000);
    await expect(verifyPassword('legacy password', stored)).resolves.toEqual({
      valid: true,
      needsRehash: true,
    });
    await expect(verifyPassword('legacy passwore', stored)).resolves.toEqual({
      valid: false,
      needsRehash: true,
    });
  });

  it('normalises to NFKC, so composed and decomposed accents are the same password', async () => {
    const composed = 'caf\u00e9-\u00c5ngstr\u00f6m';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const stored = legacyHash(composed.normalize('NFKC'), 1000);
    await expect(verifyPassword(decomposed, stored)).resolves.toMatchObject({ valid: true });
  });
});

describe('malformed stored hashes', () => {
  const salt = randomBytes(16).toString('base64url');
  const hash = randomBytes(32).toString('base64url');
  const cases: Array<[string, string]> = [
    ['an empty string', ''],
    ['a bcrypt hash', `$2b$12$${'a'.repeat(53)}`],
    ['too few parts', `pbkdf2-sha256$600000$${salt}`],
    ['too many parts', `pbkdf2-sha256$600000$${salt}$${hash}$extra`],
    ['another scheme', `pbkdf2-sha1$600000$${salt}$${hash}`],
    ['zero iterations', `pbkdf2-sha256$0$${salt}$${hash}`],
    ['leading-zero iterations', `pbkdf2-sha256$0600000$${salt}$${hash}`],
    ['non-numeric iterations', `pbkdf2-sha256$lots$${salt}$${hash}`],
    ['absurd iterations', `pbkdf2-sha256$99999999999$${salt}$${hash}`],
    ['a salt with invalid characters', `pbkdf2-sha256$600000$${salt.slice(0, -1)}+$${hash}`],
    ['a short salt', `pbkdf2-sha256$600000$${randomBytes(8).toString('base64url')}$${hash}`],
    ['a padded hash', `pbkdf2-sha256$600000$${salt}$${hash}=`],
    ['a short hash', `pbkdf2-sha256$600000$${salt}$${randomBytes(16).toString('base64url')}`],
  ];

  it.each(cases)('refuses %s with MALFORMED_HASH, without echoing it', async (_label, encoded) => {
    const error = await rejection(verifyPassword('whatever', encoded));
    expect(error.code).toBe('MALFORMED_HASH');
    expect(error.message).not.toContain(salt);
    expect(error.message).not.toContain(hash);
    if (encoded !== '') expect(error.message).not.toContain(encoded);
  });

  it('refuses a non-string stored hash', async () => {
    const error = await rejection(verifyPassword('whatever', null as unknown as string));
    expect(error.code).toBe('MALFORMED_HASH');
  });
});

describe('parameter checks', () => {
  it('refuses fewer iterations than the floor for new hashes, with no escape hatch', async () => {
    const error = await rejection(hashPassword('pw', { iterations: 599_999 }));
    expect(error.code).toBe('WEAK_PARAMETERS');
    const target = await rejection(
      verifyPassword('pw', legacyHash('pw', 1000), { iterations: 1000 }),
    );
    expect(target.code).toBe('WEAK_PARAMETERS');
  });

  it('refuses non-integer and absurd iteration counts', async () => {
    expect((await rejection(hashPassword('pw', { iterations: 600_000.5 }))).code).toBe(
      'INVALID_INPUT',
    );
    expect((await rejection(hashPassword('pw', { iterations: 1e12 }))).code).toBe('INVALID_INPUT');
  });

  it('refuses to hash an empty or non-string password', async () => {
    expect((await rejection(hashPassword(''))).code).toBe('INVALID_INPUT');
    expect((await rejection(hashPassword(42 as unknown as string))).code).toBe('INVALID_INPUT');
  });
});
