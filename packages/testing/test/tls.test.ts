import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type TLSSocket } from 'node:tls';
import { connect as natsConnect } from 'nats';
import {
  HarnessError,
  createCertificateAuthority,
  ensureDevTls,
  startNats,
  type PemCertificate,
} from '@weft/testing';

const DAY_MS = 86_400_000;

/** Serves one TLS handshake with `server` and reports whether a client trusting `ca` accepts it. */
async function handshake(server: PemCertificate, ca: string, servername: string): Promise<string> {
  const listener = createServer({ cert: server.cert, key: server.key }, (socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  try {
    return await new Promise<string>((resolve) => {
      const socket: TLSSocket = connect({ host: '127.0.0.1', port, ca, servername }, () => {
        resolve('ok');
        socket.end();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
  } finally {
    await new Promise((resolve) => listener.close(resolve));
  }
}

describe('createCertificateAuthority', () => {
  it('issues a server certificate that chains to the CA and covers its hosts only', async () => {
    const ca = await createCertificateAuthority({ commonName: 'Test CA' });
    const leaf = await ca.issue({ hosts: ['localhost', '127.0.0.1', '::1'] });
    const caCert = new X509Certificate(ca.cert);
    const cert = new X509Certificate(leaf.cert);

    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(leaf.key))).toBe(true);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBeDefined();
    expect(cert.checkHost('example.com')).toBeUndefined();
    expect(cert.checkIP('10.0.0.1')).toBeUndefined();
    const days = (Date.parse(cert.validTo) - Date.now()) / DAY_MS;
    expect(days).toBeGreaterThan(824);
    expect(days).toBeLessThanOrEqual(825);

    // And a real TLS client agrees: trusted with the CA, refused with another one or another name.
    const stranger = await createCertificateAuthority();
    expect(await handshake(leaf, ca.cert, 'localhost')).toBe('ok');
    expect(await handshake(leaf, stranger.cert, 'localhost')).toBe(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
    expect(await handshake(leaf, ca.cert, 'weft.example.com')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('refuses a leaf valid longer than 825 days, or for no host', async () => {
    const ca = await createCertificateAuthority();
    const refused = await ca.issue({ hosts: ['localhost'], validDays: 826 }).catch((e) => e);
    expect(HarnessError.is(refused) && refused.code).toBe('INVALID_OPTIONS');
    await expect(ca.issue({ hosts: [] })).rejects.toThrow('at least one host');
  });
});

describe('ensureDevTls', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'weft-dev-tls-')), 'tls');
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('creates a CA and a localhost certificate once, with private keys readable by the owner only', async () => {
    const first = await ensureDevTls(dir);
    expect(first.created).toEqual(['ca', 'server']);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(first.caKeyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(first.keyFile)).mode & 0o777).toBe(0o600);

    const ca = new X509Certificate(await readFile(first.caFile));
    const server = new X509Certificate(await readFile(first.certFile));
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBeDefined();

    const caPem = await readFile(first.caFile, 'utf8');
    const certPem = await readFile(first.certFile, 'utf8');
    const again = await ensureDevTls(dir);
    expect(again.created).toEqual([]);
    expect(await readFile(again.caFile, 'utf8')).toBe(caPem);
    expect(await readFile(again.certFile, 'utf8')).toBe(certPem);
  });

  it('re-issues the server certificate (keeping the CA) for a new host or a damaged key', async () => {
    const first = await ensureDevTls(dir);
    const caPem = await readFile(first.caFile, 'utf8');

    const wider = await ensureDevTls(dir, { hosts: ['localhost', '127.0.0.1', 'weft.test'] });
    expect(wider.created).toEqual(['server']);
    expect(await readFile(wider.caFile, 'utf8')).toBe(caPem);
    expect(new X509Certificate(await readFile(wider.certFile)).checkHost('weft.test')).toBe(
      'weft.test',
    );

    await writeFile(first.keyFile, 'not a key');
    expect((await ensureDevTls(dir)).created).toEqual(['server']);
  });

  it('replaces a CA that expires within the renewal window', async () => {
    await ensureDevTls(dir);
    const caPem = await readFile(join(dir, 'ca.pem'), 'utf8');
    const renewed = await ensureDevTls(dir, { renewWithinDays: 5 * 366 });
    expect(renewed.created).toEqual(['ca', 'server']);
    expect(await readFile(renewed.caFile, 'utf8')).not.toBe(caPem);
  });
});

describe('startNats with tls', () => {
  it('serves TLS clients that trust the CA', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-nats-tls-'));
    const files = await ensureDevTls(dir);
    const nats = await startNats({ tls: { certFile: files.certFile, keyFile: files.keyFile } });
    try {
      expect(nats.url).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
      const nc = await natsConnect({
        servers: nats.url,
        tls: { ca: await readFile(files.caFile, 'utf8') },
      });
      expect(nc.info?.tls_required).toBe(true);
      await nc.close();
    } finally {
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
