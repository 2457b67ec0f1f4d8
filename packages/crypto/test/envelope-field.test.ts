import { createCipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { CryptoError } from '../src/errors.js';
import { DataKey } from '../src/envelope/data-key.js';
import {
  decryptField,
  encryptField,
  type FieldBinding,
  keyVersionOf,
} from '../src/envelope/field.js';

const binding: FieldBinding = {
  orgId: 'org-a',
  recordType: 'project_variable',
  recordId: 'rec-1',
  field: 'value',
};

function resolverOf(...keys: DataKey[]) {
  return (version: number) => keys.find((key) => key.version === version);
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (CryptoError.is(error)) return error.code;
    throw error;
  }
  throw new Error('expected a CryptoError');
}

/** Flips one bit of the base64url part `index` (2 = nonce, 3 = ciphertext‖tag). */
function flipBit(ciphertext: string, index: number, byte: number): string {
  const parts = ciphertext.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  const at = byte < 0 ? bytes.length + byte : byte;
  bytes[at] = bytes[at]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

function truncateBody(ciphertext: string, bytes: number): string {
  const parts = ciphertext.split('.');
  parts[3] = Buffer.from(parts[3]!, 'base64url').subarray(0, -bytes).toString('base64url');
  return parts.join('.');
}

describe('encryptField / decryptField', () => {
  const key = DataKey.generate(3);

  it('round-trips strings, buffers and the empty string', async () => {
    for (const plaintext of ['s3cr3t-päss', '', Buffer.from([0, 255, 7])]) {
      const ciphertext = encryptField(key, plaintext, binding);
      const expected = typeof plaintext === 'string' ? Buffer.from(plaintext) : plaintext;
      expect(await decryptField(resolverOf(key), ciphertext, binding)).toEqual(expected);
    }
  });

  it('writes a self-describing wft1 string with the key version and a fresh nonce', () => {
    const a = encryptField(key, 'same', binding);
    const b = encryptField(key, 'same', binding);
    expect(a).toMatch(/^wft1\.3\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(keyVersionOf(a)).toBe(3);
    expect(a).not.toContain(Buffer.from('same').toString('base64url'));
  });

  it('decrypts a ciphertext hand-built with raw createCipheriv and the documented AAD', async () => {
    const raw = randomBytes(32);
    const nonce = randomBytes(12);
    const part = (text: string) => {
      const bytes = Buffer.from(text, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return Buffer.concat([length, bytes]);
    };
    const aad = Buffer.concat(
      ['wft1', 'org-a', '7', 'project_variable', 'rec-1', 'value'].map(part),
    );
    const cipher = createCipheriv('aes-256-gcm', raw, nonce);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update('hand-built', 'utf8'), cipher.final()]);
    const text = `wft1.7.${nonce.toString('base64url')}.${Buffer.concat([body, cipher.getAuthTag()]).toString('base64url')}`;
    const plaintext = await decryptField(resolverOf(new DataKey(7, raw)), text, binding);
    expect(plaintext.toString('utf8')).toBe('hand-built');
  });

  describe('tampering fails with DECRYPTION_FAILED', () => {
    const ciphertext = encryptField(key, 'the secret', binding);
    const cases: Array<[string, string]> = [
      ['a bit of the nonce', flipBit(ciphertext, 2, 0)],
      ['a bit of the ciphertext', flipBit(ciphertext, 3, 0)],
      ['a bit of the tag', flipBit(ciphertext, 3, -1)],
      ['a body truncated by 3 bytes', truncateBody(ciphertext, 3)],
    ];
    it.each(cases)('%s', async (_name, tampered) => {
      expect(await failure(decryptField(resolverOf(key), tampered, binding))).toBe(
        'DECRYPTION_FAILED',
      );
    });

    it.each(['orgId', 'recordType', 'recordId', 'field'] as const)(
      'a changed %s in the binding',
      async (name) => {
        const moved = { ...binding, [name]: `${binding[name]}-other` };
        expect(await failure(decryptField(resolverOf(key), ciphertext, moved))).toBe(
          'DECRYPTION_FAILED',
        );
      },
    );

    it('a ciphertext moved to another org that has a key of the same version', async () => {
      const otherOrgKey = DataKey.generate(3);
      const otherOrg = { ...binding, orgId: 'org-b' };
      expect(await failure(decryptField(resolverOf(otherOrgKey), ciphertext, otherOrg))).toBe(
        'DECRYPTION_FAILED',
      );
    });

    it('a header naming another known key version', async () => {
      const relabelled = ciphertext.replace(/^wft1\.3\./, 'wft1.4.');
      const keys = resolverOf(key, DataKey.generate(4));
      expect(await failure(decryptField(keys, relabelled, binding))).toBe('DECRYPTION_FAILED');
    });

    it('a binding whose parts only differ in where the boundaries fall', async () => {
      const a = { ...binding, recordType: 'ab', recordId: 'c' };
      const b = { ...binding, recordType: 'a', recordId: 'bc' };
      const sealed = encryptField(key, 'x', a);
      expect(await failure(decryptField(resolverOf(key), sealed, b))).toBe('DECRYPTION_FAILED');
    });
  });

  it('refuses an unknown key version with UNKNOWN_KEY_VERSION', async () => {
    const ciphertext = encryptField(key, 'x', binding);
    expect(await failure(decryptField(resolverOf(DataKey.generate(1)), ciphertext, binding))).toBe(
      'UNKNOWN_KEY_VERSION',
    );
  });

  describe('malformed strings fail with MALFORMED_CIPHERTEXT', () => {
    const ciphertext = encryptField(key, 'the secret', binding);
    const [, , nonce, body] = ciphertext.split('.') as [string, string, string, string];
    const cases: Array<[string, string]> = [
      ['a flipped bit in the format tag', `wft0${ciphertext.slice(4)}`],
      ['another format version', ciphertext.replace(/^wft1/, 'wft2')],
      ['a truncated string', ciphertext.slice(0, ciphertext.lastIndexOf('.') + 10)],
      ['a string cut before the body', ciphertext.slice(0, ciphertext.lastIndexOf('.'))],
      ['an extra part', `${ciphertext}.AA`],
      ['a non-canonical key version', ciphertext.replace(/^wft1\.3\./, 'wft1.03.')],
      ['a zero key version', ciphertext.replace(/^wft1\.3\./, 'wft1.0.')],
      ['a short nonce', `wft1.3.${nonce.slice(0, 12)}.${body}`],
      ['base64 padding', `wft1.3.${nonce}.${body}==`],
      ['non-base64url characters', `wft1.3.${nonce}.${body.slice(0, -1)}+`],
      ['an empty string', ''],
    ];
    it.each(cases)('%s', async (_name, malformed) => {
      expect(await failure(decryptField(resolverOf(key), malformed, binding))).toBe(
        'MALFORMED_CIPHERTEXT',
      );
    });
  });

  it('refuses empty or ill-formed binding parts with INVALID_INPUT', () => {
    expect(() => encryptField(key, 'x', { ...binding, recordId: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => encryptField(key, 'x', { ...binding, field: 'a\ud800' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('never shows key bytes when a DataKey is logged or serialized', () => {
    const raw = randomBytes(32);
    const dataKey = new DataKey(1, raw);
    const hex = raw.toString('hex');
    const b64 = raw.toString('base64');
    for (const text of [JSON.stringify(dataKey), inspect(dataKey), String(dataKey)]) {
      expect(text).not.toContain(hex);
      expect(text).not.toContain(b64);
    }
  });

  it('refuses a destroyed DataKey', () => {
    const dataKey = DataKey.generate(1);
    dataKey.destroy();
    expect(() => encryptField(dataKey, 'x', binding)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});
