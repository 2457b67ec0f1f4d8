import {
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
} from 'node:crypto';
import { CryptoError } from './errors.js';
import {
  MAX_SEALED_VALUE_BYTES,
  generateSealingKeyPair,
  openSealed,
  sealForRecipient,
  type SealedValue,
} from './sealing.js';

const CONTEXT = '5f0c7c1e-3c7b-4d55-9d1a-0f3f2a8f6b11|PG_PASSWORD';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (CryptoError.is(error)) return error.code;
    throw error;
  }
  return undefined;
}

/** Flips one bit of one byte of a base64url field. */
function flipped(field: string, index = 0): string {
  const bytes = Buffer.from(field, 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** 32 bytes take 43 characters whose last carries 2 unused bits: set one, the bytes stay the same. */
function nonCanonical(field: string): string {
  const last = ALPHABET.indexOf(field.slice(-1));
  return field.slice(0, -1) + ALPHABET[last + 1];
}

describe('sealForRecipient / openSealed', () => {
  const recipient = generateSealingKeyPair();

  it('opens what was sealed for the key pair, for values of any shape', () => {
    for (const value of ['s3cr3t-p@ss', '', 'ünïcødé ✓ 🗝', 'line 1\nline 2', 'x'.repeat(70_000)]) {
      const sealed = sealForRecipient(value, recipient.publicKey, CONTEXT);
      expect(openSealed(sealed, recipient.privateKey, CONTEXT)).toBe(value);
    }
  });

  it('gives raw 32-byte public keys and accepts them as bytes too', () => {
    const raw = Buffer.from(recipient.publicKey, 'base64url');
    expect(raw).toHaveLength(32);
    expect(recipient.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const sealed = sealForRecipient('value', new Uint8Array(raw), CONTEXT);
    expect(openSealed(sealed, recipient.privateKey, CONTEXT)).toBe('value');
  });

  it('uses a fresh ephemeral key and nonce every time, and no plaintext shows', () => {
    const a = sealForRecipient('same value', recipient.publicKey, CONTEXT);
    const b = sealForRecipient('same value', recipient.publicKey, CONTEXT);
    expect(a.ephemeralPublicKey).not.toBe(b.ephemeralPublicKey);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(Buffer.from(a.nonce, 'base64url')).toHaveLength(12);
    // ciphertext ‖ 16-byte tag
    expect(Buffer.from(a.ciphertext, 'base64url')).toHaveLength('same value'.length + 16);
    expect(JSON.stringify(a)).not.toContain('same value');
  });

  // The scheme is a contract between the control plane and agents (design §2): open a sealed
  // value here with Node's primitives alone, step by step as the contract says.
  it('follows the documented scheme exactly (X25519, HKDF-SHA-256, AES-256-GCM)', () => {
    const sealed = sealForRecipient('by the book', recipient.publicKey, CONTEXT);
    const ephemeral = createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: sealed.ephemeralPublicKey },
      format: 'jwk',
    });
    const shared = diffieHellman({ privateKey: recipient.privateKey, publicKey: ephemeral });
    const key = Buffer.from(
      hkdfSync('sha256', shared, Buffer.alloc(0), `weft run secret v1|${CONTEXT}`, 32),
    );
    const body = Buffer.from(sealed.ciphertext, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.nonce, 'base64url'));
    decipher.setAAD(Buffer.from(CONTEXT, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    const plain = Buffer.concat([
      decipher.update(body.subarray(0, body.length - 16)),
      decipher.final(),
    ]);
    expect(plain.toString('utf8')).toBe('by the book');
  });

  // RFC 7748 §6.1: Bob's key pair as raw bytes; sealing to his raw public key opens with his
  // private key, which proves the raw-key encoding is the standard one.
  it('reads raw keys as RFC 7748 does', () => {
    const bobPrivate = Buffer.from(
      '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
      'hex',
    );
    const bobPublic = Buffer.from(
      'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
      'hex',
    );
    const privateKey = createPrivateKey({
      key: {
        kty: 'OKP',
        crv: 'X25519',
        d: bobPrivate.toString('base64url'),
        x: bobPublic.toString('base64url'),
      },
      format: 'jwk',
    });
    const sealed = sealForRecipient('to bob', bobPublic, CONTEXT);
    expect(openSealed(sealed, privateKey, CONTEXT)).toBe('to bob');
  });

  describe('refuses with SEAL_INVALID, never with plaintext', () => {
    const sealed = sealForRecipient('do not show me', recipient.publicKey, CONTEXT);
    const tamperings: Array<[string, SealedValue]> = [
      [
        'a flipped ephemeral public key',
        { ...sealed, ephemeralPublicKey: flipped(sealed.ephemeralPublicKey, 5) },
      ],
      ['a flipped nonce', { ...sealed, nonce: flipped(sealed.nonce, 11) }],
      ['a flipped ciphertext byte', { ...sealed, ciphertext: flipped(sealed.ciphertext, 0) }],
      [
        'a flipped tag byte',
        { ...sealed, ciphertext: flipped(sealed.ciphertext, 'do not show me'.length + 15) },
      ],
      [
        'a truncated tag',
        {
          ...sealed,
          ciphertext: Buffer.from(sealed.ciphertext, 'base64url')
            .subarray(0, -1)
            .toString('base64url'),
        },
      ],
      ['a ciphertext shorter than a tag', { ...sealed, ciphertext: 'AAAA' }],
      ['a nonce of the wrong length', { ...sealed, nonce: Buffer.alloc(16).toString('base64url') }],
      [
        'an ephemeral key of the wrong length',
        { ...sealed, ephemeralPublicKey: Buffer.alloc(31).toString('base64url') },
      ],
      [
        'a low-order (all-zero) ephemeral key',
        { ...sealed, ephemeralPublicKey: Buffer.alloc(32).toString('base64url') },
      ],
      ['a field that is not base64url', { ...sealed, nonce: `${sealed.nonce.slice(1)}=` }],
      [
        'a field in non-canonical base64url',
        { ...sealed, ephemeralPublicKey: nonCanonical(sealed.ephemeralPublicKey) },
      ],
      [
        'a missing field',
        { ephemeralPublicKey: sealed.ephemeralPublicKey, nonce: sealed.nonce } as SealedValue,
      ],
      [
        'fields swapped',
        { ...sealed, ephemeralPublicKey: sealed.ciphertext, ciphertext: sealed.ephemeralPublicKey },
      ],
    ];

    it.each(tamperings)('%s', (_what, tampered) => {
      let caught: unknown;
      try {
        openSealed(tampered, recipient.privateKey, CONTEXT);
      } catch (error) {
        caught = error;
      }
      expect(CryptoError.is(caught) && caught.code).toBe('SEAL_INVALID');
      expect(String((caught as Error).message)).not.toContain('do not show me');
    });

    it('under another context (another run, another secret name)', () => {
      expect(codeOf(() => openSealed(sealed, recipient.privateKey, `${CONTEXT}X`))).toBe(
        'SEAL_INVALID',
      );
      expect(
        codeOf(() => openSealed(sealed, recipient.privateKey, CONTEXT.replace('PG_', 'S3_'))),
      ).toBe('SEAL_INVALID');
    });

    it('with another recipient’s private key', () => {
      const other = generateSealingKeyPair();
      expect(codeOf(() => openSealed(sealed, other.privateKey, CONTEXT))).toBe('SEAL_INVALID');
    });

    it('for something that is not a sealed value at all', () => {
      expect(
        codeOf(() => openSealed(null as unknown as SealedValue, recipient.privateKey, CONTEXT)),
      ).toBe('SEAL_INVALID');
    });
  });

  describe('refuses bad arguments with INVALID_INPUT', () => {
    it('a recipient public key that is not raw X25519', () => {
      const ed25519 = generateKeyPairSync('ed25519').publicKey.export({
        format: 'der',
        type: 'spki',
      });
      for (const key of ['', 'not-a-key', Buffer.alloc(31), ed25519, Buffer.alloc(33), 42]) {
        expect(codeOf(() => sealForRecipient('v', key as Uint8Array, CONTEXT))).toBe(
          'INVALID_INPUT',
        );
      }
    });

    it('a low-order recipient public key (the shared secret would be public)', () => {
      expect(codeOf(() => sealForRecipient('v', Buffer.alloc(32), CONTEXT))).toBe('INVALID_INPUT');
    });

    it('a private key that is not an X25519 private KeyObject', () => {
      const sealed = sealForRecipient('v', recipient.publicKey, CONTEXT);
      const ed25519 = generateKeyPairSync('ed25519').privateKey;
      for (const key of [
        ed25519,
        recipient.privateKey.export({ format: 'jwk' }),
        createPublicKey(recipient.privateKey),
      ]) {
        expect(codeOf(() => openSealed(sealed, key as never, CONTEXT))).toBe('INVALID_INPUT');
      }
    });

    it('an empty or oversized context, a non-string or oversized value', () => {
      expect(codeOf(() => sealForRecipient('v', recipient.publicKey, ''))).toBe('INVALID_INPUT');
      expect(codeOf(() => sealForRecipient('v', recipient.publicKey, 'c'.repeat(1025)))).toBe(
        'INVALID_INPUT',
      );
      expect(
        codeOf(() => sealForRecipient(7 as unknown as string, recipient.publicKey, CONTEXT)),
      ).toBe('INVALID_INPUT');
      expect(
        codeOf(() =>
          sealForRecipient('x'.repeat(MAX_SEALED_VALUE_BYTES + 1), recipient.publicKey, CONTEXT),
        ),
      ).toBe('INVALID_INPUT');
      const sealed = sealForRecipient('v', recipient.publicKey, CONTEXT);
      expect(codeOf(() => openSealed(sealed, recipient.privateKey, ''))).toBe('INVALID_INPUT');
    });
  });
});
