import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  openCertificateAuthority,
  type CertificateAuthority,
  type PemCertificate,
} from './tls.js';

/** Where `ensureDevTls` keeps the local CA and the server certificate it issued. */
export interface DevTlsFiles {
  /** The CA certificate: what agents and other clients trust (`caFile`). */
  caFile: string;
  /** The CA's private key (mode 0600). Never leaves the machine. */
  caKeyFile: string;
  /** The server certificate, for TLS_CERT_FILE. */
  certFile: string;
  /** Its private key (mode 0600), for TLS_KEY_FILE. */
  keyFile: string;
  /** What this call made: `ca` (a new authority: clients must trust it again), `server`, both or neither. */
  created: Array<'ca' | 'server'>;
}

export interface DevTlsOptions {
  /** Names and addresses the server certificate covers. Default localhost, 127.0.0.1 and ::1. */
  hosts?: string[];
  /** A certificate expiring within this many days is replaced. Default 30. */
  renewWithinDays?: number;
}

const DEFAULT_HOSTS = ['localhost', '127.0.0.1', '::1'];
const DAY_MS = 86_400_000;

/**
 * Makes sure `dir` holds a local certificate authority and a server certificate it issued for
 * `hosts`, creating them on first use and keeping them afterwards, so a client told once to
 * trust the CA keeps working across restarts. The server certificate is re-issued when it
 * expires soon, no longer matches the CA or misses a host; the CA only when it expires soon.
 * The directory is 0700 and the key files 0600.
 */
export async function ensureDevTls(dir: string, options: DevTlsOptions = {}): Promise<DevTlsFiles> {
  const hosts = options.hosts ?? DEFAULT_HOSTS;
  const renewBy = Date.now() + (options.renewWithinDays ?? 30) * DAY_MS;
  const files: DevTlsFiles = {
    caFile: join(dir, 'ca.pem'),
    caKeyFile: join(dir, 'ca-key.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server-key.pem'),
    created: [],
  };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);

  let authority = await readPair(files.caFile, files.caKeyFile);
  if (authority === undefined || !usableAuthority(authority, renewBy)) {
    const ca = await createCertificateAuthority({ commonName: 'Weft local development CA' });
    await writePair(files.caFile, files.caKeyFile, ca);
    authority = ca;
    files.created.push('ca');
  }
  const ca: CertificateAuthority = openCertificateAuthority(authority);

  const server = await readPair(files.certFile, files.keyFile);
  if (server === undefined || !usableServerCertificate(server, ca, hosts, renewBy)) {
    await writePair(files.certFile, files.keyFile, await ca.issue({ hosts }));
    files.created.push('server');
  }
  return files;
}

async function readPair(certFile: string, keyFile: string): Promise<PemCertificate | undefined> {
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch {
    return undefined;
  }
}

function parse(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function usableAuthority(pair: PemCertificate, renewBy: number): boolean {
  const cert = parse(pair.cert);
  return (
    cert !== undefined &&
    cert.ca &&
    Date.parse(cert.validTo) > renewBy &&
    holdsKeyOf(cert, pair.key)
  );
}

function usableServerCertificate(
  pair: PemCertificate,
  ca: CertificateAuthority,
  hosts: string[],
  renewBy: number,
): boolean {
  const cert = parse(pair.cert);
  const issuer = parse(ca.cert);
  if (cert === undefined || issuer === undefined) return false;
  if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) return false;
  if (Date.parse(cert.validTo) <= renewBy) return false;
  if (!holdsKeyOf(cert, pair.key)) return false;
  return hosts.every((host) =>
    isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined,
  );
}

/** Whether `keyPem` is the private key of `cert`; an unreadable key file counts as no. */
function holdsKeyOf(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** Key first, 0600 from creation; each file replaced by a rename so a crash leaves no half file. */
async function writePair(certFile: string, keyFile: string, pair: PemCertificate): Promise<void> {
  await writeAtomically(keyFile, pair.key, 0o600);
  await writeAtomically(certFile, pair.cert, 0o644);
}

async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode, flag: 'w' });
  await chmod(temporary, mode);
  await rename(temporary, file);
}
