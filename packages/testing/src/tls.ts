import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { HarnessError } from './errors.js';

/** A certificate and its private key, both PEM. */
export interface PemCertificate {
  /** PEM `CERTIFICATE`. */
  cert: string;
  /** PEM `PRIVATE KEY` (PKCS #8, unencrypted). */
  key: string;
}

export interface CertificateOptions {
  /** DNS names and IP addresses (v4 or v6) the certificate is valid for, as subjectAltName. */
  hosts: string[];
  /** Default: the first host. */
  commonName?: string;
  /** Which side of a TLS connection may present it. Default `server`. */
  usage?: 'server' | 'client';
  /** Default and maximum 825 (what browsers and Apple platforms accept for a leaf). */
  validDays?: number;
  /** The leaf's key. Default `ecdsa-p256`; `rsa-2048` for testing RSA cipher suites. */
  keyAlgorithm?: 'ecdsa-p256' | 'rsa-2048';
}

/** A private certificate authority: its own certificate, its key, and a way to issue leaves. */
export interface CertificateAuthority extends PemCertificate {
  issue(options: CertificateOptions): Promise<PemCertificate>;
}

/** The longest leaf validity browsers and Apple platforms accept. */
export const MAX_LEAF_VALIDITY_DAYS = 825;
const DAY_MS = 86_400_000;
// Clocks of a laptop and a container drift: a certificate valid from "now" can be refused for a minute.
const BACKDATE_MS = 5 * 60_000;
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;

type X509Module = typeof import('@peculiar/x509');
let x509Module: Promise<X509Module> | undefined;

/**
 * @peculiar/x509 resolves its internals through tsyringe, which needs the reflect-metadata
 * polyfill loaded first; both are loaded on first use so that importing @weft/testing stays cheap.
 */
function loadX509(): Promise<X509Module> {
  x509Module ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return x509Module;
}

const subtle = webcrypto.subtle;
// @peculiar/x509 types its provider as the DOM's Crypto, which Node's webcrypto implements.
const crypto = webcrypto as unknown as Parameters<
  X509Module['X509CertificateGenerator']['create']
>[1];

/**
 * Creates a certificate authority (ECDSA P-256, path length 0: it signs leaves only) in memory,
 * without the openssl CLI. `validDays` defaults to 1825 (five years).
 */
export async function createCertificateAuthority(
  options: { commonName?: string; validDays?: number } = {},
): Promise<CertificateAuthority> {
  const x509 = await loadX509();
  const keys = await subtle.generateKey(EC, true, ['sign', 'verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: [{ CN: [options.commonName ?? 'Weft test CA'] }],
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + (options.validDays ?? 1825) * DAY_MS),
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return openCertificateAuthority({
    cert: certificate.toString('pem'),
    key: await exportKey(keys.privateKey),
  });
}

/** An authority from a certificate and key made earlier (e.g. kept on disk by `pnpm dev`). */
export function openCertificateAuthority(authority: PemCertificate): CertificateAuthority {
  return { ...authority, issue: (options) => issueCertificate(authority, options) };
}

async function issueCertificate(
  authority: PemCertificate,
  options: CertificateOptions,
): Promise<PemCertificate> {
  const validDays = options.validDays ?? MAX_LEAF_VALIDITY_DAYS;
  if (!(validDays > 0 && validDays <= MAX_LEAF_VALIDITY_DAYS)) {
    throw new HarnessError(
      'INVALID_OPTIONS',
      `a certificate may be valid for 1 to ${MAX_LEAF_VALIDITY_DAYS} days, not ${validDays}`,
    );
  }
  const [first] = options.hosts;
  if (first === undefined)
    throw new HarnessError('INVALID_OPTIONS', 'a certificate needs at least one host');
  const x509 = await loadX509();
  const issuer = new x509.X509Certificate(authority.cert);
  const signingKey = await subtle.importKey(
    'pkcs8',
    createPrivateKey(authority.key).export({ type: 'pkcs8', format: 'der' }),
    EC,
    false,
    ['sign'],
  );
  const keys = (await subtle.generateKey(options.keyAlgorithm === 'rsa-2048' ? RSA : EC, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const usage = options.usage ?? 'server';
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: [{ CN: [options.commonName ?? first] }],
      issuer: issuer.subject,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + validDays * DAY_MS),
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(
          [
            usage === 'server'
              ? x509.ExtendedKeyUsage.serverAuth
              : x509.ExtendedKeyUsage.clientAuth,
          ],
          false,
        ),
        new x509.SubjectAlternativeNameExtension(
          options.hosts.map((host) => ({
            type: isIP(host) ? ('ip' as const) : ('dns' as const),
            value: host,
          })),
          false,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(issuer, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: certificate.toString('pem'), key: await exportKey(keys.privateKey) };
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

/** 16 random bytes, positive (high bit clear), as RFC 5280 asks. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01;
  return bytes.toString('hex');
}
