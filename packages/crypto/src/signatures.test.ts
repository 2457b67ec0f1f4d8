import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { CryptoError } from './errors.js';
import {
  generateSigningKeyPair,
  publicKeyFingerprint,
  sign,
  verify,
  type SigningKeyPair,
} from './signatures.js';

interface Rfc8032Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}

/** RFC 8032 §7.1, Ed25519 (all hex). */
const RFC_8032_VECTORS: Rfc8032Vector[] = [
  {
    name: 'TEST 1 (empty message)',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (1 byte)',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (2 bytes)',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST 1024 (1023 bytes)',
    secretKey: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
    publicKey: '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
    message: [
      '08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98',
      'fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8',
      '79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d',
      '658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc',
      '1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe',
      'ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e',
      '06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef',
      'efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7',
      'aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1',
      '85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2',
      'd17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24',
      '554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270',
      '88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc',
      '2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07',
      '07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba',
      'b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a',
      'ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e',
      'c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7',
      '51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c',
      '42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8',
      'ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df',
      'f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08',
      'd78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649',
      'de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4',
      '88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3',
      '2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e',
      '6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f',
      'b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5',
      '0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1',
      '369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d',
      'b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c',
      '0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0',
    ].join(''),
    signature:
      '0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03',
  },
];

/** Imports an RFC 8032 raw key pair into the package's storable format, via JWK. */
function importRawKeyPair(secretKeyHex: string, publicKeyHex: string): SigningKeyPair {
  const x = Buffer.from(publicKeyHex, 'hex').toString('base64url');
  const d = Buffer.from(secretKeyHex, 'hex').toString('base64url');
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x, d }, format: 'jwk' });
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64url'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64url'),
  };
}

function hexToBase64Url(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url');
}

function flipBit(base64url: string, byteIndex: number, mask = 0x01): string {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes[byteIndex] = (bytes[byteIndex] ?? 0) ^ mask;
  return bytes.toString('base64url');
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('Ed25519 against RFC 8032 §7.1', () => {
  it('carries the 1023-byte message of TEST 1024 exactly', () => {
    expect(Buffer.from(RFC_8032_VECTORS[3]?.message ?? '', 'hex')).toHaveLength(1023);
  });

  describe.each(RFC_8032_VECTORS)('$name', (vector) => {
    const keys = importRawKeyPair(vector.secretKey, vector.publicKey);
    const message = Buffer.from(vector.message, 'hex');

    it('derives the published public key from the secret key', () => {
      const derived = createPublicKey(
        createPrivateKey({
          key: Buffer.from(keys.privateKey, 'base64url'),
          format: 'der',
          type: 'pkcs8',
        }),
      );
      expect(derived.export({ format: 'jwk' }).x).toBe(hexToBase64Url(vector.publicKey));
    });

    it('signs to the published signature', () => {
      expect(sign(keys.privateKey, message)).toBe(hexToBase64Url(vector.signature));
    });

    it('verifies the published signature', () => {
      expect(verify(keys.publicKey, message, hexToBase64Url(vector.signature))).toBe(true);
    });

    it('rejects the signature with a flipped bit in R, in S, or over an altered message', () => {
      const signature = hexToBase64Url(vector.signature);
      expect(verify(keys.publicKey, message, flipBit(signature, 0))).toBe(false);
      expect(verify(keys.publicKey, message, flipBit(signature, 40, 0x10))).toBe(false);
      expect(verify(keys.publicKey, Buffer.concat([message, Buffer.from([0])]), signature)).toBe(
        false,
      );
      if (message.length > 0) {
        const altered = Buffer.from(message);
        altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 0x80;
        expect(verify(keys.publicKey, altered, signature)).toBe(false);
      }
    });
  });

  it('rejects a signature checked against another vector’s public key', () => {
    const [first, second] = RFC_8032_VECTORS;
    if (first === undefined || second === undefined) throw new Error('vectors missing');
    const otherKey = importRawKeyPair(second.secretKey, second.publicKey).publicKey;
    expect(
      verify(otherKey, Buffer.from(first.message, 'hex'), hexToBase64Url(first.signature)),
    ).toBe(false);
  });

  // BoringSSL ed25519_test.cc (David Benjamin): S must be below the group order L, otherwise
  // S + L is a second valid-looking signature of the same message (malleability).
  it('accepts S just under the group order and rejects S just above it', () => {
    const keys = importRawKeyPair(
      'a59a4130fcfd293c9737db8f14177ce034305cf34bdc4346f24b4d262e07b5c2',
      '100fdf47fb94f1536a4f7c3fda27383fa03375a8f527c537e6f1703c47f94f86',
    );
    const under = {
      message: '124e583f8b8eca58bb29c271b41d36986bbc45541f8e51f9cb0133eca447601e',
      signature:
        'dac119d6ca87fc59ae611c157048f4d4fc932a149dbe20ec6effd1436abf83ea05c7df0fef06147241259113909bc71bd3c53ba4464ffcad3c0968f2ffffff0f',
    };
    const above = {
      message: '6a0bc2b0057cedfc0fa2e3f7f7d39279b30f454a69dfd1117c758d86b19d85e0',
      signature:
        '0971f86d2c9c78582524a103cb9cf949522ae528f8054dc20107d999be673ff4e25ebf2f2928766b1248bec6e91697775f8446639ede46ad4df4053000000010',
    };
    for (const [vector, expected] of [
      [under, true],
      [above, false],
    ] as const) {
      const message = Buffer.from(vector.message, 'hex');
      expect(verify(keys.publicKey, message, hexToBase64Url(vector.signature))).toBe(expected);
    }
  });
});

describe('generateSigningKeyPair', () => {
  it('returns storable base64url DER keys that sign and verify', () => {
    const pair = generateSigningKeyPair();
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(pair.privateKey).toMatch(/^[A-Za-z0-9_-]+$/);
    const publicKey = createPublicKey({
      key: Buffer.from(pair.publicKey, 'base64url'),
      format: 'der',
      type: 'spki',
    });
    expect(publicKey.asymmetricKeyType).toBe('ed25519');
    const signature = sign(pair.privateKey, 'agent hello');
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
    expect(verify(pair.publicKey, 'agent hello', signature)).toBe(true);
    expect(verify(pair.publicKey, Buffer.from('agent hello', 'utf8'), signature)).toBe(true);
  });

  it('makes a different pair each time', () => {
    const first = generateSigningKeyPair();
    const second = generateSigningKeyPair();
    expect(first.publicKey).not.toBe(second.publicKey);
    expect(first.privateKey).not.toBe(second.privateKey);
    expect(verify(second.publicKey, 'x', sign(first.privateKey, 'x'))).toBe(false);
  });
});

describe('verify with malformed input', () => {
  const pair = generateSigningKeyPair();
  const signature = sign(pair.privateKey, 'payload');

  it.each([
    ['empty', ''],
    ['padded base64url', `${signature}==`],
    ['standard base64 alphabet', Buffer.from(signature, 'base64url').toString('base64')],
    ['non-canonical trailing bits', `${signature.slice(0, -1)}B`],
    ['truncated', signature.slice(0, -2)],
    [
      'one byte too long',
      Buffer.concat([Buffer.from(signature, 'base64url'), Buffer.alloc(1)]).toString('base64url'),
    ],
    ['with whitespace', ` ${signature}`],
  ])('returns false for a %s signature', (_label, malformed) => {
    expect(verify(pair.publicKey, 'payload', malformed)).toBe(false);
  });

  it('returns false, not a throw, for a signature or message of the wrong type', () => {
    expect(verify(pair.publicKey, 'payload', 42 as unknown as string)).toBe(false);
    expect(verify(pair.publicKey, 'payload', null as unknown as string)).toBe(false);
    expect(verify(pair.publicKey, 7 as unknown as string, signature)).toBe(false);
    expect(verify(pair.publicKey, { payload: 1 } as unknown as string, signature)).toBe(false);
  });
});

describe('malformed keys', () => {
  const pair = generateSigningKeyPair();
  const x25519 = generateKeyPairSync('x25519');
  const x25519Public = x25519.publicKey
    .export({ format: 'der', type: 'spki' })
    .toString('base64url');
  const x25519Private = x25519.privateKey
    .export({ format: 'der', type: 'pkcs8' })
    .toString('base64url');
  const pem = createPublicKey({
    key: Buffer.from(pair.publicKey, 'base64url'),
    format: 'der',
    type: 'spki',
  })
    .export({ format: 'pem', type: 'spki' })
    .toString();

  it.each([
    ['empty', ''],
    ['not base64url', 'not a key!'],
    ['PEM rather than base64url DER', pem],
    ['an X25519 key', x25519Public],
    ['a private key', pair.privateKey],
    ['truncated', pair.publicKey.slice(0, 20)],
    ['not a string', 12345],
  ])(
    'verify and publicKeyFingerprint throw INVALID_INPUT for a public key that is %s',
    (_l, key) => {
      for (const attempt of [
        () => verify(key as string, 'payload', sign(pair.privateKey, 'payload')),
        () => publicKeyFingerprint(key as string),
      ]) {
        const error = catchError(attempt);
        expect(CryptoError.is(error)).toBe(true);
        expect(error).toMatchObject({ code: 'INVALID_INPUT' });
      }
    },
  );

  it.each([
    ['empty', ''],
    ['a public key', pair.publicKey],
    ['an X25519 key', x25519Private],
    ['truncated', pair.privateKey.slice(0, 30)],
    ['not a string', undefined],
  ])('sign throws INVALID_INPUT for a private key that is %s', (_l, key) => {
    expect(catchError(() => sign(key as string, 'payload'))).toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('never echoes the key in the error message', () => {
    const almostKey = `${pair.privateKey}!`;
    const error = catchError(() => sign(almostKey, 'payload')) as Error;
    expect(error.message).not.toContain(pair.privateKey);
    expect(error.message).not.toContain(pair.privateKey.slice(0, 16));
  });

  it('sign throws INVALID_INPUT for a message that is not a string or Buffer', () => {
    expect(catchError(() => sign(pair.privateKey, 1 as unknown as string))).toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});

describe('publicKeyFingerprint', () => {
  it('is the base64url SHA-256 of the DER SubjectPublicKeyInfo', () => {
    const pair = generateSigningKeyPair();
    const fingerprint = publicKeyFingerprint(pair.publicKey);
    expect(fingerprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const expected = createHash('sha256')
      .update(Buffer.from(pair.publicKey, 'base64url'))
      .digest('base64url');
    expect(fingerprint).toBe(expected);
  });

  it('is stable for one key and differs between keys', () => {
    const vector = RFC_8032_VECTORS[0];
    if (vector === undefined) throw new Error('vectors missing');
    const { publicKey } = importRawKeyPair(vector.secretKey, vector.publicKey);
    expect(publicKeyFingerprint(publicKey)).toBe(publicKeyFingerprint(publicKey));
    expect(publicKeyFingerprint(publicKey)).not.toBe(
      publicKeyFingerprint(generateSigningKeyPair().publicKey),
    );
  });
});
