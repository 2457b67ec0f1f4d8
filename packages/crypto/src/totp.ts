import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CryptoError } from './errors.js';

/** HMAC hash of a TOTP (RFC 6238 §1.2), spelled as in otpauth:// URIs. */
export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface TotpOptions {
  /** The moment to compute the code for, in milliseconds since the epoch; default now. */
  time?: number;
  /** Code length, 6–8; default 6 (what authenticator apps show). */
  digits?: number;
  /** Default 'SHA1': the one every authenticator app supports. */
  algorithm?: TotpAlgorithm;
  /** Time step in seconds, 1–300; default 30 (RFC 6238 §5.2). */
  step?: number;
}

export interface TotpVerifyOptions extends TotpOptions {
  /** Steps accepted either side of the current one for clock drift, 0–2; default 1. */
  window?: number;
  /** The step of the last code this secret accepted: it and every earlier step are refused. */
  lastUsedStep?: number;
}

export interface TotpVerification {
  valid: boolean;
  /** The step the code belongs to, when valid: persist it as the next `lastUsedStep`. */
  step?: number;
}

export interface TotpSecret {
  secret: Buffer;
  /** The same bytes in RFC 4648 base32 without padding, for manual entry in an app. */
  base32: string;
}

export interface TotpUriOptions extends Omit<TotpOptions, 'time'> {
  secret: Buffer;
  /** Who the code is for, e.g. the user's e-mail. No colon (Key URI Format). */
  accountName: string;
  /** Who issues it, e.g. the product or organization name. No colon (Key URI Format). */
  issuer: string;
}

interface ResolvedTotpOptions {
  counter: number;
  digits: number;
  algorithm: TotpAlgorithm;
  step: number;
}

/** RFC 4226 §4 R6: a shared secret of at least 128 bits. */
const MIN_SECRET_BYTES = 16;
/** 64 bytes fills a SHA-512 block; anything longer is hashed down by HMAC anyway. */
const MAX_GENERATED_SECRET_BYTES = 64;
const MAX_WINDOW = 2;
const MAX_STEP_SECONDS = 300;
const ALGORITHMS: Readonly<Record<TotpAlgorithm, string>> = {
  SHA1: 'sha1',
  SHA256: 'sha256',
  SHA512: 'sha512',
};
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A new TOTP shared secret of `bytes` random bytes (default 20, the RFC 4226 recommendation
 * and what authenticator apps expect). Below 16 bytes throws `WEAK_TOKEN`.
 */
export function generateTotpSecret(bytes: number = 20): TotpSecret {
  if (!Number.isSafeInteger(bytes) || bytes > MAX_GENERATED_SECRET_BYTES) {
    throw new CryptoError(
      'INVALID_INPUT',
      `TOTP secret size must be a whole number of bytes up to ${MAX_GENERATED_SECRET_BYTES}`,
    );
  }
  if (bytes < MIN_SECRET_BYTES) {
    throw new CryptoError(
      'WEAK_TOKEN',
      `TOTP secret size must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes}`,
    );
  }
  const secret = randomBytes(bytes);
  return { secret, base32: encodeBase32(secret) };
}

/** The TOTP code (RFC 6238) of `secret` at `options.time` (default now). */
export function totpCode(secret: Buffer, options: TotpOptions = {}): string {
  checkSecret(secret);
  const resolved = resolveOptions(options);
  return hotp(secret, resolved.counter, resolved);
}

/**
 * Checks a code typed by a person. Codes of the current step and `window` steps either side
 * are accepted, except steps at or before `lastUsedStep`, so a code cannot be replayed
 * (RFC 6238 §5.2). Every candidate is compared in constant time and none is skipped once
 * one matches. A code that is not exactly `digits` ASCII digits is simply invalid.
 */
export function verifyTotp(
  secret: Buffer,
  code: string,
  options: TotpVerifyOptions = {},
): TotpVerification {
  checkSecret(secret);
  const resolved = resolveOptions(options);
  const window = options.window ?? 1;
  if (!Number.isSafeInteger(window) || window < 0 || window > MAX_WINDOW) {
    throw new CryptoError('INVALID_INPUT', `TOTP window must be a whole number 0–${MAX_WINDOW}`);
  }
  const { lastUsedStep } = options;
  if (lastUsedStep !== undefined && (!Number.isSafeInteger(lastUsedStep) || lastUsedStep < 0)) {
    throw new CryptoError('INVALID_INPUT', 'lastUsedStep must be a non-negative whole number');
  }
  if (typeof code !== 'string' || code.length !== resolved.digits || !/^[0-9]+$/.test(code)) {
    return { valid: false };
  }
  const offered = Buffer.from(code, 'ascii');
  let matchedStep: number | undefined;
  for (let step = resolved.counter - window; step <= resolved.counter + window; step++) {
    if (step < 0 || (lastUsedStep !== undefined && step <= lastUsedStep)) {
      continue;
    }
    const expected = Buffer.from(hotp(secret, step, resolved), 'ascii');
    // Ascending order: the latest matching step wins, which blocks the most future replays.
    if (timingSafeEqual(expected, offered)) {
      matchedStep = step;
    }
  }
  return matchedStep === undefined ? { valid: false } : { valid: true, step: matchedStep };
}

/**
 * An otpauth:// provisioning URI (Google Authenticator Key URI Format), usually shown as a
 * QR code. It contains the secret: show it once to its owner, never log or store it.
 */
export function totpUri(options: TotpUriOptions): string {
  const { secret, accountName, issuer } = options;
  checkSecret(secret);
  const resolved = resolveOptions({ ...options, time: 0 });
  for (const [name, value] of [
    ['accountName', accountName],
    ['issuer', issuer],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0 || value.includes(':')) {
      throw new CryptoError('INVALID_INPUT', `TOTP ${name} must be a non-empty string without ':'`);
    }
  }
  const label = `${encodeUriPart(issuer)}:${encodeUriPart(accountName)}`;
  const query = [
    `secret=${encodeBase32(secret)}`,
    `issuer=${encodeUriPart(issuer)}`,
    `algorithm=${resolved.algorithm}`,
    `digits=${resolved.digits}`,
    `period=${resolved.step}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

/** RFC 4648 §6 base32 without padding (as otpauth:// URIs and authenticator apps want). */
export function encodeBase32(data: Buffer): string {
  let text = '';
  let value = 0;
  let bits = 0;
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += BASE32_ALPHABET.charAt((value >>> bits) & 31);
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) {
    text += BASE32_ALPHABET.charAt((value << (5 - bits)) & 31);
  }
  return text;
}

/**
 * Strict RFC 4648 §6 base32: upper-case alphabet, padding optional but exact when present,
 * no whitespace, zero trailing bits — so each byte string has one spelling. Callers taking
 * human input should upper-case it and remove spaces first. Errors never echo the input.
 */
export function decodeBase32(text: string): Buffer {
  if (typeof text !== 'string') {
    throw new CryptoError('INVALID_INPUT', 'Base32 input must be a string');
  }
  const firstPad = text.indexOf('=');
  const body = firstPad === -1 ? text : text.slice(0, firstPad);
  const remainder = body.length % 8;
  // Lengths 1, 3 and 6 mod 8 leave a character that carries no whole byte.
  const paddingFor: Record<number, number> = { 0: 0, 2: 6, 4: 4, 5: 3, 7: 1 };
  const padding = paddingFor[remainder];
  if (padding === undefined) {
    throw new CryptoError('INVALID_INPUT', 'Base32 input has an impossible length');
  }
  if (firstPad !== -1 && text.length !== body.length + padding) {
    throw new CryptoError('INVALID_INPUT', 'Base32 padding is wrong');
  }
  if (firstPad !== -1 && !/^=+$/.test(text.slice(firstPad))) {
    throw new CryptoError('INVALID_INPUT', 'Base32 padding is wrong');
  }
  const bytes = Buffer.alloc(Math.floor((body.length * 5) / 8));
  let value = 0;
  let bits = 0;
  let written = 0;
  for (let position = 0; position < body.length; position++) {
    const digit = BASE32_ALPHABET.indexOf(body.charAt(position));
    if (digit === -1) {
      throw new CryptoError(
        'INVALID_INPUT',
        `Base32 input has a character outside the RFC 4648 alphabet at position ${position}`,
      );
    }
    value = ((value << 5) | digit) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[written++] = (value >>> bits) & 0xff;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) {
    throw new CryptoError('INVALID_INPUT', 'Base32 input has non-zero trailing bits');
  }
  return bytes;
}

/** HOTP (RFC 4226 §5.3): HMAC of the 8-byte big-endian counter, dynamically truncated. */
function hotp(secret: Buffer, counter: number, options: ResolvedTotpOptions): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(ALGORITHMS[options.algorithm], secret).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const truncated = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(truncated % 10 ** options.digits).padStart(options.digits, '0');
}

function resolveOptions(options: TotpOptions): ResolvedTotpOptions {
  if (typeof options !== 'object' || options === null) {
    throw new CryptoError('INVALID_INPUT', 'TOTP options must be an object');
  }
  const { time = Date.now(), digits = 6, algorithm = 'SHA1', step = 30 } = options;
  // The safe-integer cap keeps the counter exact and inside HOTP's 8-byte field.
  if (typeof time !== 'number' || !(time >= 0 && time <= Number.MAX_SAFE_INTEGER)) {
    throw new CryptoError('INVALID_INPUT', 'TOTP time must be non-negative milliseconds');
  }
  if (!Number.isSafeInteger(digits) || digits < 6 || digits > 8) {
    throw new CryptoError('INVALID_INPUT', 'TOTP codes have 6, 7 or 8 digits');
  }
  if (!Object.hasOwn(ALGORITHMS, algorithm)) {
    throw new CryptoError('INVALID_INPUT', 'TOTP algorithm must be SHA1, SHA256 or SHA512');
  }
  if (!Number.isSafeInteger(step) || step < 1 || step > MAX_STEP_SECONDS) {
    throw new CryptoError(
      'INVALID_INPUT',
      `TOTP step must be a whole number of seconds 1–${MAX_STEP_SECONDS}`,
    );
  }
  return { counter: Math.floor(time / (step * 1000)), digits, algorithm, step };
}

function checkSecret(secret: unknown): asserts secret is Buffer {
  if (!Buffer.isBuffer(secret) || secret.length < MIN_SECRET_BYTES) {
    throw new CryptoError(
      'INVALID_INPUT',
      `TOTP secret must be a Buffer of at least ${MIN_SECRET_BYTES} bytes`,
    );
  }
}

/** Percent-encodes a label or query value; spaces become %20, as the Key URI Format asks. */
function encodeUriPart(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone UTF-16 surrogate cannot be encoded as UTF-8.
    throw new CryptoError('INVALID_INPUT', 'TOTP issuer and account name must be valid Unicode');
  }
}
