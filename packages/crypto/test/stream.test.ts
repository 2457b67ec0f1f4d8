import { randomBytes } from 'node:crypto';
import { CryptoError } from '../src/errors.js';
import { chunkNonce, MAX_STREAM_CHUNKS } from '../src/stream/format.js';
import { decryptStream, encryptStream } from '../src/stream/iterables.js';
import {
  CHUNK,
  FRAME,
  HEADER_BYTES,
  KEY_ID,
  collect,
  collectUntilError,
  frame,
  randomlyChunked,
  resolverFor,
  streamKey,
} from './fixtures/stream-helpers.js';

const key = streamKey();
const resolve = resolverFor(key);

async function encrypt(data: Buffer, seed = 1, associatedData?: Buffer): Promise<Buffer> {
  return collect(
    encryptStream(randomlyChunked(data, seed), key, { chunkSize: CHUNK, associatedData }),
  );
}

async function decryptError(ciphertext: Buffer, associatedData?: Buffer): Promise<unknown> {
  const { error } = await collectUntilError(
    decryptStream(randomlyChunked(ciphertext, 7), resolve, { associatedData }),
  );
  return error;
}

describe('encryptStream / decryptStream round trips', () => {
  const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 5 * CHUNK + 7];

  it.each(sizes)('restores %d bytes through random input chunking', async (size) => {
    const data = randomBytes(size);
    for (const seed of [1, 2, 3]) {
      const ciphertext = await encrypt(data, seed);
      // One final chunk even for empty input; full chunks only while more data follows.
      const chunks = Math.max(1, Math.ceil(size / CHUNK));
      expect(ciphertext.length).toBe(HEADER_BYTES + size + chunks * 16);
      const plaintext = await collect(
        decryptStream(randomlyChunked(ciphertext, seed + 10), resolve),
      );
      expect(plaintext.equals(data)).toBe(true);
    }
  });

  it('uses 64 KiB chunks by default and accepts sync iterables', async () => {
    const data = randomBytes(3 * 64 * 1024 + 5);
    const ciphertext = await collect(encryptStream([data], key));
    expect(ciphertext.readUInt32BE(9)).toBe(64 * 1024);
    expect(ciphertext.length).toBe(HEADER_BYTES + data.length + 4 * 16);
    expect((await collect(decryptStream([ciphertext], resolve))).equals(data)).toBe(true);
  });

  it('writes the key id to the header and asks the resolver for it', async () => {
    const asked: string[] = [];
    const ciphertext = await encrypt(Buffer.from('hello'));
    expect(ciphertext.subarray(14, 14 + KEY_ID.length).toString()).toBe(KEY_ID);
    const plaintext = await collect(
      decryptStream([ciphertext], (id) => {
        asked.push(id);
        return key.key;
      }),
    );
    expect(plaintext.toString()).toBe('hello');
    expect(asked).toEqual([KEY_ID]);
  });

  it('never repeats ciphertext for the same plaintext under one key (fresh salt per stream)', async () => {
    const data = Buffer.alloc(3 * CHUNK, 0x61);
    const [a, b] = [await encrypt(data), await encrypt(data)];
    expect(a.subarray(HEADER_BYTES).equals(b.subarray(HEADER_BYTES))).toBe(false);
    expect(a.indexOf(data.subarray(0, 32))).toBe(-1);
  });

  it('binds associated data: the reader must present the same bytes', async () => {
    const data = randomBytes(2 * CHUNK);
    const ciphertext = await encrypt(data, 1, Buffer.from('backup-2026-11-24'));
    const restored = await collect(
      decryptStream([ciphertext], resolve, { associatedData: Buffer.from('backup-2026-11-24') }),
    );
    expect(restored.equals(data)).toBe(true);
    expect(await decryptError(ciphertext, Buffer.from('backup-2026-11-23'))).toMatchObject({
      code: 'DECRYPTION_FAILED',
    });
    expect(await decryptError(ciphertext)).toMatchObject({ code: 'DECRYPTION_FAILED' });
  });
});

describe('tampered streams', () => {
  const data = randomBytes(4 * CHUNK + 100); // frames 0..3 full, frame 4 final
  let ciphertext: Buffer;
  beforeAll(async () => {
    ciphertext = await encrypt(data);
  });
  const header = () => ciphertext.subarray(0, HEADER_BYTES);
  const frames = (...indexes: number[]) => indexes.map((i) => frame(ciphertext, i));
  const body = (...indexes: number[]) => Buffer.concat([header(), ...frames(...indexes)]);
  const flipped = (offset: number) => {
    const copy = Buffer.from(ciphertext);
    copy[offset] = (copy[offset] as number) ^ 0x01;
    return copy;
  };

  const failing: [string, () => Promise<Buffer>][] = [
    ['the final chunk is missing', async () => body(0, 1, 2, 3)],
    ['only the header remains', async () => header()],
    ['the stream is cut inside a chunk', async () => ciphertext.subarray(0, -50)],
    ['the stream is cut inside the tag', async () => ciphertext.subarray(0, -1)],
    ['two chunks are swapped', async () => body(1, 0, 2, 3, 4)],
    ['a chunk is duplicated', async () => body(0, 1, 1, 2, 3, 4)],
    ['a chunk is dropped from the middle', async () => body(0, 2, 3, 4)],
    [
      'a chunk is spliced in from another stream under the same key',
      async () => Buffer.concat([header(), frame(await encrypt(data), 0), ...frames(1, 2, 3, 4)]),
    ],
    [
      'a whole body is moved under another stream header',
      async () =>
        Buffer.concat([(await encrypt(data)).subarray(0, HEADER_BYTES), ...frames(0, 1, 2, 3, 4)]),
    ],
    ['a ciphertext bit is flipped', async () => flipped(HEADER_BYTES + 2 * FRAME + 10)],
    ['a tag bit is flipped', async () => flipped(HEADER_BYTES + FRAME - 1)],
    ['a salt bit is flipped', async () => flipped(HEADER_BYTES - 1)],
    ['a key id byte is changed', async () => flipped(14)],
    [
      'the chunk size is changed',
      async () => {
        const copy = Buffer.from(ciphertext);
        copy.writeUInt32BE(2 * CHUNK, 9);
        return copy;
      },
    ],
    ['one trailing byte follows', async () => Buffer.concat([ciphertext, Buffer.from([0])])],
    [
      'a trailing tag-sized block follows',
      async () => Buffer.concat([ciphertext, Buffer.alloc(16)]),
    ],
    ['a whole extra chunk follows', async () => Buffer.concat([ciphertext, frame(ciphertext, 0)])],
    [
      'the final chunk is repeated',
      async () => Buffer.concat([ciphertext, ciphertext.subarray(-116)]),
    ],
  ];

  it.each(failing)('fails with DECRYPTION_FAILED when %s', async (_case, make) => {
    const tampered = await make();
    const changedKeyIdResolver = () => key.key; // resolve any id, so only the binding can catch it
    const { output, error } = await collectUntilError(
      decryptStream([tampered], changedKeyIdResolver),
    );
    expect(CryptoError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'DECRYPTION_FAILED' });
    // Whatever was emitted before the failure is a verified prefix, never altered bytes.
    expect(data.subarray(0, output.length).equals(output)).toBe(true);
    expect(output.length % CHUNK).toBe(0);
  });

  it('emits no plaintext of the chunk whose tag fails', async () => {
    const tampered = flipped(HEADER_BYTES + 2 * FRAME + 10);
    const pieces = Array.from({ length: Math.ceil(tampered.length / 100) }, (_, i) =>
      tampered.subarray(i * 100, (i + 1) * 100),
    );
    const { output, error } = await collectUntilError(decryptStream(pieces, resolve));
    expect(error).toMatchObject({ code: 'DECRYPTION_FAILED' });
    // Chunks 0 and 1 verified and were emitted; nothing of chunk 2 was.
    expect(output.equals(data.subarray(0, 2 * CHUNK))).toBe(true);
  });

  it('fails with DECRYPTION_FAILED under the wrong data key', async () => {
    const { error } = await collectUntilError(decryptStream([ciphertext], () => randomBytes(32)));
    expect(error).toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  const malformed: [string, () => Buffer][] = [
    ['the input is empty', () => Buffer.alloc(0)],
    ['the magic is wrong', () => flipped(0)],
    ['the version is unknown', () => flipped(8)],
    ['the header is cut short', () => ciphertext.subarray(0, HEADER_BYTES - 1)],
    [
      'the chunk size is out of range',
      () => {
        const copy = Buffer.from(ciphertext);
        copy.writeUInt32BE(64 * 1024 * 1024, 9);
        return copy;
      },
    ],
    [
      'the key id is empty',
      () => {
        const copy = Buffer.from(ciphertext);
        copy.writeUInt8(0, 13);
        return copy;
      },
    ],
    ['it is plain text', () => Buffer.from('-- PostgreSQL database dump\n')],
  ];

  it.each(malformed)('fails with MALFORMED_CIPHERTEXT when %s', async (_case, make) => {
    const { output, error } = await collectUntilError(decryptStream([make()], resolve));
    expect(error).toMatchObject({ code: 'MALFORMED_CIPHERTEXT' });
    expect(output.length).toBe(0);
  });

  it('passes the resolver’s own error through (e.g. a retired key version)', async () => {
    const retired = () => {
      throw new CryptoError('UNKNOWN_KEY_VERSION', 'retired');
    };
    const { error } = await collectUntilError(decryptStream([ciphertext], retired));
    expect(error).toMatchObject({ code: 'UNKNOWN_KEY_VERSION' });
  });
});

describe('limits and validation', () => {
  it('caps a stream at 2^32 chunks with KEY_EXHAUSTED', () => {
    expect(chunkNonce(MAX_STREAM_CHUNKS - 1).toString('hex')).toBe('00000000' + '00000000ffffffff');
    expect(chunkNonce(1).toString('hex')).toBe('000000000000000000000001');
    for (const index of [MAX_STREAM_CHUNKS, MAX_STREAM_CHUNKS + 1, -1, 1.5]) {
      expect(catchError(() => chunkNonce(index))).toMatchObject({ code: 'KEY_EXHAUSTED' });
    }
  });

  const invalid: [string, () => AsyncIterable<Buffer>][] = [
    ['a 16-byte key', () => encryptStream([], { keyId: KEY_ID, key: randomBytes(16) })],
    ['an empty key id', () => encryptStream([], { keyId: '', key: randomBytes(32) })],
    [
      'a 256-byte key id',
      () => encryptStream([], { keyId: 'k'.repeat(256), key: randomBytes(32) }),
    ],
    ['a tiny chunk size', () => encryptStream([], streamKey(), { chunkSize: 16 })],
    ['a huge chunk size', () => encryptStream([], streamKey(), { chunkSize: 32 * 1024 * 1024 })],
    ['a fractional chunk size', () => encryptStream([], streamKey(), { chunkSize: 1024.5 })],
  ];

  it.each(invalid)('refuses %s with INVALID_INPUT', async (_case, make) => {
    const { error } = await collectUntilError(make());
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses a resolver that returns a short key with INVALID_INPUT', async () => {
    const ciphertext = await collect(encryptStream([], key));
    const { error } = await collectUntilError(decryptStream([ciphertext], () => randomBytes(8)));
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('keeps key material out of error messages', async () => {
    const ciphertext = await encrypt(randomBytes(100));
    const { error } = await collectUntilError(decryptStream([flipNearEnd(ciphertext)], resolve));
    const text = `${(error as Error).message} ${(error as Error).stack ?? ''}`;
    expect(text).not.toContain(key.key.toString('hex'));
    expect(text).not.toContain(key.key.toString('base64'));
  });
});

function flipNearEnd(ciphertext: Buffer): Buffer {
  const copy = Buffer.from(ciphertext);
  copy[copy.length - 20] = (copy[copy.length - 20] as number) ^ 0x80;
  return copy;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
